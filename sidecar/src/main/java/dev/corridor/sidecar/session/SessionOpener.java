package dev.corridor.sidecar.session;

import dev.corridor.sidecar.config.ConfigException;
import dev.corridor.sidecar.protocol.ProtocolException;
import dev.corridor.sidecar.protocol.auth.AuthenticationException;
import dev.corridor.sidecar.protocol.auth.ClientProfile;
import dev.corridor.sidecar.protocol.cstp.PacketType;
import dev.corridor.sidecar.protocol.http.HttpResponseHead;
import dev.corridor.sidecar.protocol.sso.StrapKeys;
import dev.corridor.sidecar.protocol.tunnel.ConnectRequest;
import dev.corridor.sidecar.protocol.tunnel.DtlsCipher;
import dev.corridor.sidecar.protocol.tunnel.DtlsOffer;
import dev.corridor.sidecar.protocol.tunnel.SessionConfig;
import dev.corridor.sidecar.protocol.tunnel.SessionConfigParser;
import dev.corridor.sidecar.session.sso.ExternalBrowser;
import dev.corridor.sidecar.transport.ClientIdentity;
import dev.corridor.sidecar.transport.CstpChannel;
import dev.corridor.sidecar.transport.GatewayUnreachableException;
import dev.corridor.sidecar.transport.GatewayUrl;
import dev.corridor.sidecar.transport.PublicKeyPin;
import dev.corridor.sidecar.transport.RefusedTlsException;
import dev.corridor.sidecar.transport.TlsConnection;
import dev.corridor.sidecar.transport.TlsConnector;
import dev.corridor.sidecar.transport.UntrustedCertificateException;
import dev.corridor.sidecar.transport.dtls.DtlsHandshake;
import dev.corridor.sidecar.transport.dtls.DtlsSuite;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.ToIntFunction;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SSLKeyException;
import javax.net.ssl.SSLSession;

/** Opens a session: TLS, login, then {@code CONNECT}, and reads the gateway's session settings. */
final class SessionOpener {
    private static final Logger LOG = System.getLogger(SessionOpener.class.getName());
    /** The exporter label openconnect and ocserv derive the DTLS PSK with (no context, 32 bytes). */
    static final String PSK_EXPORTER_LABEL = "EXPORTER-openconnect-psk";

    static final int PSK_LENGTH = 32;
    private final GatewayUrl gateway;
    private final TlsConnector connector;
    private final Authenticator authenticator;
    private final ClientProfile profile;
    private final CredentialSource credentials;
    private final ToIntFunction<InetAddress> baseMtu;
    private final String localHostname;
    private final boolean dtls;
    private final List<DtlsCipher> dtlsCiphers;
    private final List<DtlsCipher> dtls12Ciphers;
    private final TunnelObserver observer;
    private final SecureRandom random = new SecureRandom();
    private volatile TlsConnection current;
    private volatile boolean aborted;

    /** An open session: the CSTP channel, what the gateway said about it, and how to add DTLS to it. */
    record OpenSession(
            CstpChannel cstp,
            SessionConfig config,
            InetSocketAddress gateway,
            String tlsProtocol,
            String tlsCipherSuite,
            TunnelStatus.Login login,
            DtlsAvailability dtls,
            Timings timings,
            SessionCookie cookie) {
        /** How long a logout waits to leave; a gateway that is gone gets nothing. */
        static final Duration LOGOUT_TIMEOUT = Duration.ofSeconds(1);
        /** The payload of the DISCONNECT a client sends on logout: 0xB0 then a reason, as openconnect sends it. */
        private static final byte[] LOGOUT = logoutPayload("Client logout");

        /** Ends the session at the gateway, which voids its cookie; call once the data plane has stopped. */
        void logout() {
            try {
                cstp.sendFinal(PacketType.DISCONNECT, LOGOUT, LOGOUT_TIMEOUT);
            } catch (IOException e) {
                LOG.log(Level.DEBUG, "could not send the logout DISCONNECT: {0}", e.getMessage());
            }
        }

        private static byte[] logoutPayload(String reason) {
            byte[] text = reason.getBytes(StandardCharsets.US_ASCII);
            byte[] payload = new byte[text.length + 1];
            payload[0] = (byte) 0xB0;
            System.arraycopy(text, 0, payload, 1, text.length);
            return payload;
        }
    }

    /** How long each step of opening took: the TCP and TLS handshake, the login, and CONNECT. */
    record Timings(Duration tls, Duration login, Duration connect) {}

    /** Whether the session can carry data over DTLS, and if not, why. */
    sealed interface DtlsAvailability {
        record Available(DtlsSetup setup) implements DtlsAvailability {}

        /** Turned off by the configuration. */
        record Disabled() implements DtlsAvailability {}

        record Unavailable(String reason) implements DtlsAvailability {}
    }

    /**
     * @param baseMtu the MTU of the link towards a gateway address, asked once the address is known
     */
    SessionOpener(
            GatewayUrl gateway,
            TlsConnector connector,
            CredentialSource credentials,
            Optional<String> authGroup,
            ClientProfile profile,
            ToIntFunction<InetAddress> baseMtu,
            String localHostname,
            boolean dtls,
            TunnelObserver observer) {
        this(
                gateway,
                connector,
                credentials,
                authGroup,
                profile,
                baseMtu,
                localHostname,
                dtls,
                DtlsOffer.DEFAULT_DTLS,
                DtlsOffer.DEFAULT_DTLS12,
                observer);
    }

    /**
     * @param dtlsCiphers   what {@code X-DTLS-CipherSuite} offers (PSK-NEGOTIATE where the TLS session exports its key)
     * @param dtls12Ciphers what {@code X-DTLS12-CipherSuite} offers
     */
    SessionOpener(
            GatewayUrl gateway,
            TlsConnector connector,
            CredentialSource credentials,
            Optional<String> authGroup,
            ClientProfile profile,
            ToIntFunction<InetAddress> baseMtu,
            String localHostname,
            boolean dtls,
            List<DtlsCipher> dtlsCiphers,
            List<DtlsCipher> dtls12Ciphers,
            TunnelObserver observer) {
        this.dtlsCiphers = List.copyOf(dtlsCiphers);
        this.dtls12Ciphers = List.copyOf(dtls12Ciphers);
        this.observer = observer;
        this.gateway = gateway;
        this.connector = connector;
        this.profile = profile;
        this.authenticator = new Authenticator(gateway, connector, authGroup, profile);
        this.credentials = credentials;
        this.baseMtu = baseMtu;
        this.localHostname = localHostname;
        this.dtls = dtls;
    }

    /**
     * Opens a session: with the cookie of an earlier session when given (the gateway then keeps the same address
     * and no credential is sent), else, or when the gateway no longer accepts that cookie, with a fresh login; or,
     * when the configuration hands a session cookie over (an SSO login done elsewhere), with that cookie alone.
     */
    OpenSession open(Optional<SessionCookie> resume) throws TunnelFailure {
        return attempt(() -> {
            LoginSecrets secrets = credentials.load();
            long started = System.nanoTime();
            TlsConnection connection = track(connector.connect(gateway, secrets.certificate()));
            long connected = System.nanoTime();
            observer.phaseCompleted(TunnelObserver.Phase.TLS, Duration.ofNanos(connected - started));
            Optional<SessionCookie> cookie =
                    resume.or(() -> secrets.sessionCookie().map(SessionCookie::new));
            if (cookie.isPresent()) {
                Optional<OpenSession> resumed;
                try {
                    resumed = requestTunnel(
                            connection,
                            cookie.get(),
                            new LoginShown(Optional.empty(), Optional.empty()),
                            secrets,
                            started,
                            connected,
                            connected);
                } catch (IOException e) {
                    // ocserv answers a cookie it does not know (e.g. after a restart) with a TLS access_denied alert.
                    LOG.log(Level.DEBUG, "CONNECT with the session cookie failed: {0}", e.getMessage());
                    resumed = Optional.empty();
                }
                if (resumed.isPresent()) {
                    return resumed.get();
                }
                if (secrets.sessionCookie().isPresent()) {
                    throw AuthenticationException.rejected(
                            "the gateway no longer accepts the session cookie it was given (the "
                                    + "session has ended or expired): log in again to renew it");
                }
                LOG.log(Level.INFO, "the gateway no longer accepts the session cookie; logging in again");
                connection.close();
                connection = track(connector.connect(gateway, secrets.certificate()));
            }
            Authenticator.Login login = login(connection, secrets, connected);
            connection = track(login.connection());
            return requestTunnel(
                            connection,
                            new SessionCookie(login.sessionCookie()),
                            new LoginShown(login.preLoginBanner(), login.banner()),
                            secrets,
                            started,
                            connected,
                            System.nanoTime())
                    .orElseThrow(
                            () -> new TunnelFailure(
                                    TunnelFailure.Kind.AUTHENTICATION,
                                    "the gateway refused to open the tunnel "
                                            + "for a fresh login (ocserv answers this when its address pool is exhausted or the user has too many sessions)"));
        });
    }

    /**
     * What a login alone yields ({@code authenticate}): the session cookie, the gateway it is good for, and the STRAP
     * keys of an external-browser login, whose signing key the session is bound to.
     */
    record Authenticated(
            SessionCookie cookie, InetSocketAddress gateway, PublicKeyPin gatewayKey, Optional<StrapKeys> strap) {
        @Override
        public String toString() {
            return "Authenticated[" + gateway + "]"; // never the cookie
        }
    }

    /**
     * Logs in and stops there: the session stays the gateway's until a CONNECT with its cookie, or its timeout.
     *
     * @param browser single sign-on in the user's browser ({@code --external-browser}), when the gateway asks for it
     */
    Authenticated authenticate(Optional<ExternalBrowser> browser) throws TunnelFailure {
        return attempt(() -> {
            LoginSecrets secrets = credentials.load();
            long started = System.nanoTime();
            TlsConnection connection = track(connector.connect(gateway, secrets.certificate()));
            Authenticator.Login login = login(connection, secrets, started, browser);
            try (TlsConnection used = track(login.connection())) {
                X509Certificate certificate = (X509Certificate) used.session().getPeerCertificates()[0];
                return new Authenticated(
                        new SessionCookie(login.sessionCookie()),
                        used.remote(),
                        PublicKeyPin.of(certificate),
                        login.strap());
            }
        });
    }

    private Authenticator.Login login(TlsConnection connection, LoginSecrets secrets, long connected)
            throws IOException, AuthenticationException, ConfigException {
        return login(connection, secrets, connected, Optional.empty());
    }

    private Authenticator.Login login(
            TlsConnection connection, LoginSecrets secrets, long connected, Optional<ExternalBrowser> browser)
            throws IOException, AuthenticationException, ConfigException {
        Authenticator.Login login = authenticator.login(connection, secrets, browser);
        observer.login(TunnelObserver.LoginOutcome.SUCCESS);
        observer.phaseCompleted(TunnelObserver.Phase.AUTHENTICATION, Duration.ofNanos(System.nanoTime() - connected));
        login.preLoginBanner()
                .ifPresent(banner -> LOG.log(Level.INFO, "the gateway's banner before login: {0}", banner));
        return login;
    }

    /** A step of opening that may fail in the ways opening fails. */
    @FunctionalInterface
    private interface Step<T> {
        T run() throws IOException, AuthenticationException, ConfigException, TunnelFailure;
    }

    /** Runs a step, turning each way it fails into the tunnel failure it is, with the connection under way closed. */
    private <T> T attempt(Step<T> step) throws TunnelFailure {
        try {
            return step.run();
        } catch (TunnelFailure e) {
            closeQuietly(current);
            throw e;
        } catch (RefusedTlsException e) {
            throw new TunnelFailure(
                    e.reason() == RefusedTlsException.Reason.NO_FORWARD_SECRECY
                            ? TunnelFailure.Kind.CONFIGURATION
                            : TunnelFailure.Kind.PROTOCOL,
                    e.getMessage(),
                    e);
        } catch (UntrustedCertificateException e) {
            throw new TunnelFailure(TunnelFailure.Kind.UNTRUSTED_CERTIFICATE, e.getMessage(), e);
        } catch (GatewayUnreachableException e) {
            throw new TunnelFailure(TunnelFailure.Kind.UNREACHABLE, e.getMessage(), e);
        } catch (AuthenticationException e) {
            observer.login(
                    e.rejectedByGateway() ? TunnelObserver.LoginOutcome.REJECTED : TunnelObserver.LoginOutcome.FAILED);
            closeQuietly(current);
            throw new TunnelFailure(
                    e.rejectedByGateway() ? TunnelFailure.Kind.AUTHENTICATION : TunnelFailure.Kind.CONFIGURATION,
                    e.getMessage(),
                    e);
        } catch (ConfigException e) {
            closeQuietly(current);
            throw new TunnelFailure(TunnelFailure.Kind.CONFIGURATION, e.getMessage(), e);
        } catch (ProtocolException e) {
            closeQuietly(current);
            throw new TunnelFailure(TunnelFailure.Kind.PROTOCOL, e.getMessage(), e);
        } catch (SocketTimeoutException e) {
            closeQuietly(current);
            throw new TunnelFailure(
                    TunnelFailure.Kind.UNREACHABLE, "the gateway " + gateway.authority() + " stopped answering", e);
        } catch (IOException e) {
            closeQuietly(current);
            String message = aborted
                    ? "stopped while connecting"
                    : "the connection to the gateway " + gateway.authority() + " failed: " + e.getMessage();
            throw new TunnelFailure(TunnelFailure.Kind.UNREACHABLE, message, e);
        } finally {
            current = null;
        }
    }

    /** The banners a login showed: on its form, and in its success reply. */
    private record LoginShown(Optional<String> beforeLogin, Optional<String> afterLogin) {}

    /** Sends CONNECT with the cookie; empty when the gateway refuses the cookie (401), so that a login can follow. */
    private Optional<OpenSession> requestTunnel(
            TlsConnection connection,
            SessionCookie cookie,
            LoginShown shown,
            LoginSecrets secrets,
            long started,
            long connected,
            long loggedIn)
            throws IOException, ProtocolException, TunnelFailure {
        InetSocketAddress remote = connection.remote();
        int linkMtu = baseMtu.applyAsInt(remote.getAddress());
        Optional<byte[]> psk = dtls ? exportPsk(connection.session()) : Optional.empty();
        Optional<DtlsOffer> offer = dtls
                ? Optional.of(DtlsOffer.generate(random, psk.isPresent(), dtlsCiphers, dtls12Ciphers))
                : Optional.empty();
        ConnectRequest request =
                new ConnectRequest(gateway.authority(), cookie.value(), localHostname, linkMtu, offer, profile);
        HttpResponseHead reply = connection.connect(request.toHttp());
        if (reply.status() == 401 || reply.status() == 403) {
            return Optional.empty();
        }
        if (reply.status() != 200) {
            throw new TunnelFailure(
                    TunnelFailure.Kind.PROTOCOL,
                    "the gateway refused to open the tunnel: " + reply.statusText()
                            + reply.headers()
                                    .first("X-Reason")
                                    .map(r -> " (" + r + ")")
                                    .orElse(""));
        }
        SessionConfig config = SessionConfigParser.parse(reply.headers());
        var session = connection.session();
        Timings timings = new Timings(
                Duration.ofNanos(connected - started),
                Duration.ofNanos(loggedIn - connected),
                Duration.ofNanos(System.nanoTime() - loggedIn));
        observer.phaseCompleted(TunnelObserver.Phase.CONNECT, timings.connect());
        TunnelStatus.Login login = new TunnelStatus.Login(
                shown.beforeLogin(),
                config.banner().or(shown::afterLogin),
                secrets.certificate().map(ClientIdentity::notAfter));
        login.banner().ifPresent(banner -> LOG.log(Level.INFO, "the gateway's banner: {0}", banner));
        return Optional.of(new OpenSession(
                connection.openCstp(),
                config,
                remote,
                session.getProtocol(),
                session.getCipherSuite(),
                login,
                dtlsAvailability(
                        config,
                        reply.headers()
                                .first(DtlsCipher.Header.DTLS12.headerName())
                                .isPresent(),
                        offer,
                        psk,
                        remote,
                        linkMtu),
                timings,
                cookie));
    }

    /**
     * The PSK for PSK-NEGOTIATE: the control session's TLS exporter value. The JDK refuses it for TLS 1.2 without
     * extended master secret (ocserv's default when forced to TLS 1.2); legacy mode then remains.
     */
    private static Optional<byte[]> exportPsk(SSLSession session) {
        if (!(session instanceof ExtendedSSLSession extended)) {
            return Optional.empty();
        }
        try {
            return Optional.of(extended.exportKeyingMaterialData(PSK_EXPORTER_LABEL, null, PSK_LENGTH));
        } catch (SSLKeyException | UnsupportedOperationException e) {
            LOG.log(
                    Level.DEBUG,
                    "no TLS exporter on this {0} session ({1}): offering legacy DTLS only",
                    session.getProtocol(),
                    e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * What the gateway chose, checked against what was offered: PSK-NEGOTIATE (needs the exporter value and an App-ID),
     * or a legacy suite, named in {@code X-DTLS12-CipherSuite} or {@code X-DTLS-CipherSuite} (two name spaces: the
     * same name means DTLS 1.2 in one and DTLS 0.9 in the other), resumed with the master secret of the offer.
     */
    private static DtlsAvailability dtlsAvailability(
            SessionConfig config,
            boolean chosenInDtls12,
            Optional<DtlsOffer> offer,
            Optional<byte[]> psk,
            InetSocketAddress remote,
            int linkMtu) {
        if (offer.isEmpty()) {
            return new DtlsAvailability.Disabled();
        }
        if (config.dtls().isEmpty()) {
            return new DtlsAvailability.Unavailable("not offered by the gateway");
        }
        SessionConfig.DtlsParameters parameters = config.dtls().get();
        DtlsCipher.Header header = chosenInDtls12 ? DtlsCipher.Header.DTLS12 : DtlsCipher.Header.DTLS;
        Optional<DtlsCipher> chosen =
                DtlsCipher.of(header, parameters.cipherSuite()).filter(offer.get()::offers);
        if (chosen.isEmpty()) {
            return new DtlsAvailability.Unavailable("the gateway chose DTLS suite " + parameters.cipherSuite() + " in "
                    + header.headerName() + ", which Corridor did not offer there");
        }
        DtlsHandshake.Request request;
        if (chosen.get() == DtlsCipher.PSK_NEGOTIATE) {
            if (psk.isEmpty() || parameters.appId().isEmpty()) {
                return new DtlsAvailability.Unavailable(
                        "the gateway chose PSK-NEGOTIATE without an App-ID or exporter");
            }
            request = new DtlsHandshake.Request(
                    DtlsHandshake.Mode.PSK,
                    psk.get(),
                    HexFormat.of().parseHex(parameters.appId().get()),
                    DtlsSuite.PSK_AES_256_GCM,
                    DtlsCipher.PSK_NEGOTIATE);
        } else {
            if (parameters.sessionId().isEmpty()) {
                return new DtlsAvailability.Unavailable(
                        "the gateway chose DTLS suite " + parameters.cipherSuite() + " without a Session-ID");
            }
            DtlsSuite suite = DtlsSuite.of(chosen.get()).orElseThrow();
            request = new DtlsHandshake.Request(
                    DtlsHandshake.Mode.LEGACY,
                    offer.get().masterSecret(),
                    HexFormat.of().parseHex(parameters.sessionId().get()),
                    suite,
                    chosen.get());
        }
        int ipAndUdp = (remote.getAddress() instanceof Inet6Address ? 40 : 20) + 8;
        Duration dpd = parameters.dpd().isZero() ? config.dpd() : parameters.dpd();
        Duration keepalive = parameters.keepalive().isZero() ? config.keepalive() : parameters.keepalive();
        return new DtlsAvailability.Available(new DtlsSetup(
                new InetSocketAddress(remote.getAddress(), parameters.port()),
                request,
                linkMtu - ipAndUdp,
                dpd,
                keepalive));
    }

    /** Breaks off an {@link #open(Optional)} in progress, from another thread. */
    void abort() {
        aborted = true;
        closeQuietly(current);
    }

    private TlsConnection track(TlsConnection connection) throws IOException {
        current = connection;
        if (aborted) {
            connection.close();
            throw new IOException("stopped while connecting");
        }
        return connection;
    }

    private static void closeQuietly(TlsConnection connection) {
        if (connection != null) {
            connection.close();
        }
    }
}
