package dev.corridor.sidecar.session;

import dev.corridor.sidecar.config.ConfigException;
import dev.corridor.sidecar.protocol.ProtocolException;
import dev.corridor.sidecar.protocol.auth.AuthMethod;
import dev.corridor.sidecar.protocol.auth.AuthReply;
import dev.corridor.sidecar.protocol.auth.AuthRequests;
import dev.corridor.sidecar.protocol.auth.AuthXml;
import dev.corridor.sidecar.protocol.auth.AuthenticationException;
import dev.corridor.sidecar.protocol.auth.ClientProfile;
import dev.corridor.sidecar.protocol.auth.CookieJar;
import dev.corridor.sidecar.protocol.auth.LoginDialogue;
import dev.corridor.sidecar.protocol.http.HttpResponse;
import dev.corridor.sidecar.protocol.http.HttpResponseHead;
import dev.corridor.sidecar.transport.GatewayUrl;
import dev.corridor.sidecar.transport.TlsConnection;
import dev.corridor.sidecar.transport.TlsConnector;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The aggregate-auth login: init, then one POST per form, until the gateway gives the session cookie. Besides forms,
 * an ASA may ask for a client certificate (answered on a new connection, or declined) and for a user certificate's
 * signature (multiple-certificate authentication); it keeps its own state in an {@code <opaque>} element that every
 * reply echoes, and may hand the cookie over as a {@code <session-token>} instead of a Set-Cookie.
 */
final class Authenticator {
    private static final Logger LOG = System.getLogger(Authenticator.class.getName());
    /** ocserv closes a connection after 16 requests; no real login needs more forms than that. */
    static final int MAX_FORMS = 16;

    private final GatewayUrl gateway;
    private final TlsConnector connector;
    private final Optional<String> authGroup;
    private final ClientProfile profile;

    /**
     * The session cookie, the connection to send CONNECT on (the login's, when the gateway kept it open), and the
     * banners: the one the login forms showed, and the one the success reply carried.
     */
    record Login(String sessionCookie, TlsConnection connection, Optional<String> preLoginBanner, Optional<String> banner) {
        @Override
        public String toString() {
            return "Login[banner=" + banner + "]"; // never the cookie
        }
    }

    Authenticator(GatewayUrl gateway, TlsConnector connector, Optional<String> authGroup, ClientProfile profile) {
        this.gateway = gateway;
        this.connector = connector;
        this.authGroup = authGroup;
        this.profile = profile;
    }

    Login login(TlsConnection first, LoginSecrets secrets) throws IOException, AuthenticationException, ConfigException {
        LoginDialogue dialogue = new LoginDialogue(secrets.credentials(), authGroup);
        List<AuthMethod> capabilities = new ArrayList<>(List.of(AuthMethod.SINGLE_SIGN_ON_V2));
        secrets.userCertificate().ifPresent(user -> capabilities.add(AuthMethod.MULTIPLE_CERT));
        CookieJar cookies = new CookieJar();
        TlsConnection connection = first;
        String path = gateway.path();
        Optional<String> opaque = Optional.empty();
        Optional<String> preLoginBanner = Optional.empty();
        boolean certificateRetried = false;
        // The group is chosen from the form's genuine list: ocserv echoes any group an init names as an option.
        byte[] body = AuthXml.init(profile, capabilities, gateway.toString(), Optional.empty(), false);
        for (int round = 0; round < MAX_FORMS; round++) {
            if (!connection.reusable()) {
                // The login state lives in the webvpncontext cookie (ocserv) or the opaque element (ASA), so a fresh
                // connection continues it.
                connection.close();
                connection = connector.connect(gateway, secrets.certificate());
            }
            HttpResponse response = connection.exchange(AuthRequests.post(gateway.authority(), path, cookies, profile, body));
            HttpResponseHead head = response.head();
            if (head.status() == 401 || head.status() == 403) {
                throw AuthenticationException.rejected("the gateway refused the login: " + head.statusText());
            }
            if (head.status() != 200) {
                throw new ProtocolException("the gateway answered the login with HTTP " + head.statusText());
            }
            cookies.update(head.headers().all("Set-Cookie"), Instant.now());
            AuthXml.Parsed parsed = AuthXml.parse(response.body());
            if (parsed.opaque().isPresent()) {
                opaque = parsed.opaque(); // the latest the gateway sent is the one it expects back
            }
            parsed.sessionToken().ifPresent(token -> cookies.put(CookieJar.SESSION_COOKIE, token));
            switch (parsed.reply()) {
                case AuthReply.Success success -> {
                    String cookie = cookies.get(CookieJar.SESSION_COOKIE).orElseThrow(() -> new ProtocolException(
                            "the gateway reported a successful login but gave no session cookie (no " + CookieJar.SESSION_COOKIE
                                    + " Set-Cookie and no <session-token>)"));
                    return new Login(cookie, connection, preLoginBanner, success.banner());
                }
                case AuthReply.CertificateRequest request when request.multipleCertificates() -> {
                    // Machine certificate on the TLS connection, then the user certificate signs this very request.
                    if (secrets.userCertificate().isEmpty()) {
                        throw AuthenticationException.unanswerable("the gateway asks for machine and user certificates (multiple-"
                                + "certificate authentication); set --mca-certificate and --mca-key");
                    }
                    MultipleCertificates.Answer answer = MultipleCertificates.answer(secrets.userCertificate().get(),
                            request.signatureHashes(), response.body());
                    body = AuthXml.multipleCertificateReply(profile, capabilities, opaque, answer.chainPkcs7(), answer.hash(),
                            answer.signature());
                }
                case AuthReply.CertificateRequest request -> {
                    if (request.certificateAuthenticated()) {
                        throw new ProtocolException("the gateway accepted the client certificate but sent no form and no success");
                    }
                    boolean retry = secrets.certificate().isPresent() && !certificateRetried;
                    if (retry) {
                        // Some ASAs forget to ask for the certificate during the first handshake (openconnect auth.c): a
                        // new connection, where they do, and the init again.
                        certificateRetried = true;
                        connection.close();
                        connection = connector.connect(gateway, secrets.certificate());
                    } else {
                        LOG.log(Level.WARNING, secrets.certificate().isPresent()
                                ? "the gateway asked for a client certificate again after one was presented; declining"
                                : "the gateway asks for a client certificate, and none is configured (--certificate); declining");
                    }
                    body = AuthXml.init(profile, capabilities, gateway.withPath(path).toString(), Optional.empty(), !retry);
                }
                case AuthReply.Form next -> {
                    if (next.banner().isPresent()) {
                        preLoginBanner = next.banner();
                    }
                    path = actionPath(next.action(), path);
                    body = switch (dialogue.answer(next)) {
                        case LoginDialogue.Answers answers -> AuthXml.reply(profile, capabilities, opaque, answers.fields(), answers.groupSelect());
                        case LoginDialogue.SwitchGroup group -> AuthXml.init(profile, capabilities, gateway.withPath(path).toString(),
                                Optional.of(group.group()), false);
                    };
                }
            }
        }
        throw new ProtocolException("the gateway sent more than " + MAX_FORMS + " login forms");
    }

    /** Where a form posts to: a path on the same gateway; credentials never go to another host. */
    private String actionPath(String action, String current) throws ProtocolException {
        if (action.isEmpty()) {
            return current;
        }
        try {
            URI uri = new URI(action);
            if (uri.getHost() != null && !uri.getHost().equalsIgnoreCase(gateway.host())) {
                throw new ProtocolException("the gateway's login form posts to another host (" + uri.getHost() + "); refused");
            }
            String path = uri.getRawPath();
            return path == null || path.isEmpty() ? current : path.startsWith("/") ? path : "/" + path;
        } catch (URISyntaxException e) {
            throw new ProtocolException("the gateway's login form has a bad action '" + action + "'");
        }
    }
}
