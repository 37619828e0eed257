package dev.corridor.sidecar.protocol.auth;

import java.util.List;
import java.util.Optional;

/**
 * What the gateway answered to an aggregate-auth POST: another form to fill in, a request for client certificates,
 * or success.
 */
public sealed interface AuthReply {

    /**
     * A login form ({@code <config-auth type="auth-request">} with an {@code <auth>}).
     *
     * @param authId the {@code <auth id>}: {@code main}, {@code challenge} (a RADIUS challenge), ...
     * @param sso    the single-sign-on links, when the form is an SSO login
     */
    record Form(
            String authId,
            Optional<String> message,
            Optional<String> error,
            Optional<String> banner,
            String action,
            List<FormField> fields,
            Optional<SsoLogin> sso)
            implements AuthReply {
        public Form {
            fields = List.copyOf(fields);
        }
    }

    /**
     * The ASA asks for a client certificate ({@code <client-cert-request>}), or for a second, user certificate that
     * signs this very reply ({@code <multiple-client-cert-request>}, multiple-certificate authentication).
     *
     * @param certificateAuthenticated the certificate of the TLS connection was accepted ({@code <cert-authenticated>})
     * @param signatureHashes          for a multiple-certificate request: the hashes the gateway takes, else empty
     */
    record CertificateRequest(boolean certificateAuthenticated, List<String> signatureHashes) implements AuthReply {
        public CertificateRequest {
            signatureHashes = List.copyOf(signatureHashes);
        }

        public boolean multipleCertificates() {
            return !signatureHashes.isEmpty();
        }
    }

    /** Logged in ({@code <auth id="success">} or {@code type="complete"}). */
    record Success(Optional<String> banner) implements AuthReply {}

    /**
     * Where an SSO login happens: the identity provider's page to open, the page that ends it, and the browser cookie
     * that then holds the token (openconnect {@code auth.c}, the {@code sso-v2-*} elements).
     *
     * @param externalBrowser the gateway wants the login in the user's own browser ({@code sso-v2-browser-mode})
     */
    record SsoLogin(
            String loginUrl, Optional<String> finalUrl, Optional<String> tokenCookieName, boolean externalBrowser) {}
}
