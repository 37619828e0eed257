package dev.corridor.sidecar.session;

import dev.corridor.sidecar.protocol.auth.Credentials;
import dev.corridor.sidecar.transport.ClientIdentity;
import java.util.Optional;

/**
 * Everything a login may present, read afresh for each one: the answers to the forms, the client certificate the TLS
 * connection shows, the user certificate of ASA multiple-certificate authentication, or, instead of a login, a
 * session cookie obtained elsewhere (an SSO login).
 */
public record LoginSecrets(
        Credentials credentials,
        Optional<ClientIdentity> certificate,
        Optional<ClientIdentity> userCertificate,
        Optional<String> sessionCookie) {
    @Override
    public String toString() {
        return "LoginSecrets[" + credentials + ", " + certificate + ", " + userCertificate
                + (sessionCookie.isPresent() ? ", a cookie" : "") + "]"; // never the cookie
    }
}
