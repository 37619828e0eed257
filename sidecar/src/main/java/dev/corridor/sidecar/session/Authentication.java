package dev.corridor.sidecar.session;

import dev.corridor.sidecar.config.ClientConfig;
import dev.corridor.sidecar.protocol.sso.StrapKeys;
import dev.corridor.sidecar.session.sso.ExternalBrowser;
import dev.corridor.sidecar.transport.PublicKeyPin;
import dev.corridor.sidecar.transport.TlsConnector;
import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * A login without a tunnel ({@code corridor-sidecar authenticate}, as {@code openconnect --authenticate}): the session
 * cookie, for another process (this one's {@code connect --cookie-file}, or openconnect) to open the tunnel with.
 */
public final class Authentication {
    private Authentication() {}

    /**
     * The cookie, the gateway address it was issued by, the gateway's key (for the other client to pin), and the STRAP
     * keys of an external-browser login: the session is bound to their signing key, which the cookie must carry.
     */
    public record Result(String cookie, InetSocketAddress gateway, PublicKeyPin gatewayKey, Optional<StrapKeys> strap) {
        @Override
        public String toString() {
            return "Result[" + gateway + "]"; // never the cookie
        }
    }

    /** @param browser single sign-on in the user's browser ({@code --external-browser}), when the gateway asks for it */
    public static Result run(
            ClientConfig config,
            CredentialSource credentials,
            TunnelObserver observer,
            Optional<ExternalBrowser> browser)
            throws TunnelFailure {
        TlsConnector connector =
                new TlsConnector(config.trustPolicy(), Tunnel.CONNECT_TIMEOUT, Tunnel.IO_TIMEOUT, config.pfs());
        SessionOpener opener = new SessionOpener(
                config.gateway(),
                connector,
                credentials,
                config.authGroup(),
                config.profile(),
                address -> 0,
                "",
                false,
                observer);
        SessionOpener.Authenticated login = opener.authenticate(browser);
        return new Result(login.cookie().value(), login.gateway(), login.gatewayKey(), login.strap());
    }
}
