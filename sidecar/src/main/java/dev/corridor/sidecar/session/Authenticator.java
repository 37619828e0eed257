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
import dev.corridor.sidecar.protocol.auth.FormField;
import dev.corridor.sidecar.protocol.auth.LoginDialogue;
import dev.corridor.sidecar.protocol.http.HttpResponse;
import dev.corridor.sidecar.protocol.http.HttpResponseHead;
import dev.corridor.sidecar.protocol.sso.StrapKeys;
import dev.corridor.sidecar.session.sso.ExternalBrowser;
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
import java.util.Map;
import java.util.Optional;

/**
 * The aggregate-auth login: init, then one POST per form, until the gateway gives the session cookie. Besides forms,
 * an ASA may ask for a client certificate (answered on a new connection, or declined) and for a user certificate's
 * signature (multiple-certificate authentication); it keeps its own state in an {@code <opaque>} element that every
 * reply echoes, and may hand the cookie over as a {@code <session-token>} instead of a Set-Cookie. With an external
 * browser, an SSO form is answered with the token the user's browser brings back.
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
     * The session cookie, the connection to send CONNECT on (the login's, when the gateway kept it open), the
     * banners: the one the login forms showed, and the one the success reply carried; and the STRAP keys an
     * external-browser login announced, to whose signing key the gateway bound the session.
     */
    record Login(
            String sessionCookie,
            TlsConnection connection,
            Optional<String> preLoginBanner,
            Optional<String> banner,
            Optional<StrapKeys> strap) {
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

    /**
     * Logs in; with {@code browser}, single sign-on in the user's browser as openconnect 9 does it: the init advertises
     * it, every request announces this login's fresh STRAP keys, and an SSO form is answered with the token the browser
     * brings back, decrypted with the STRAP-DH key.
     */
    Login login(TlsConnection first, LoginSecrets secrets, Optional<ExternalBrowser> browser)
            throws IOException, AuthenticationException, ConfigException {
        LoginDialogue dialogue = new LoginDialogue(secrets.credentials(), authGroup);
        List<AuthMethod> capabilities = new ArrayList<>(List.of(AuthMethod.SINGLE_SIGN_ON_V2));
        if (browser.isPresent()) {
            capabilities.add(AuthMethod.SINGLE_SIGN_ON_EXTERNAL_BROWSER);
        }
        secrets.userCertificate().ifPresent(user -> capabilities.add(AuthMethod.MULTIPLE_CERT));
        Optional<StrapKeys> strap = browser.map(b -> StrapKeys.generate());
        CookieJar cookies = new CookieJar();
        TlsConnection connection = first;
        String path = gateway.path();
        Optional<String> opaque = Optional.empty();
        Optional<String> preLoginBanner = Optional.empty();
        boolean certificateRetried = false;
        boolean tokenSent = false;
        // The group is chosen from the form's genuine list: ocserv echoes any group an init names as an option.
        byte[] body = AuthXml.init(profile, capabilities, gateway.toString(), Optional.empty(), false);
        for (int round = 0; round < MAX_FORMS; round++) {
            if (!connection.reusable()) {
                // The login state lives in the webvpncontext cookie (ocserv) or the opaque element (ASA), so a fresh
                // connection continues it.
                connection.close();
                connection = connector.connect(gateway, secrets.certificate());
            }
            HttpResponse response =
                    connection.exchange(AuthRequests.post(gateway.authority(), path, cookies, profile, body, strap));
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
                    String cookie = cookies.get(CookieJar.SESSION_COOKIE)
                            .orElseThrow(() -> new ProtocolException(
                                    "the gateway reported a successful login but gave no session cookie (no "
                                            + CookieJar.SESSION_COOKIE + " Set-Cookie and no <session-token>)"));
                    return new Login(cookie, connection, preLoginBanner, success.banner(), strap);
                }
                case AuthReply.CertificateRequest request
                when request.multipleCertificates() -> {
                    // Machine certificate on the TLS connection, then the user certificate signs this very request.
                    if (secrets.userCertificate().isEmpty()) {
                        throw AuthenticationException.unanswerable(
                                "the gateway asks for machine and user certificates (multiple-"
                                        + "certificate authentication); set --mca-certificate and --mca-key");
                    }
                    MultipleCertificates.Answer answer = MultipleCertificates.answer(
                            secrets.userCertificate().get(), request.signatureHashes(), response.body());
                    body = AuthXml.multipleCertificateReply(
                            profile, capabilities, opaque, answer.chainPkcs7(), answer.hash(), answer.signature());
                }
                case AuthReply.CertificateRequest request -> {
                    if (request.certificateAuthenticated()) {
                        throw new ProtocolException(
                                "the gateway accepted the client certificate but sent no form and no success");
                    }
                    boolean retry = secrets.certificate().isPresent() && !certificateRetried;
                    if (retry) {
                        // Some ASAs forget to ask for the certificate during the first handshake (openconnect auth.c):
                        // a
                        // new connection, where they do, and the init again.
                        certificateRetried = true;
                        connection.close();
                        connection = connector.connect(gateway, secrets.certificate());
                    } else {
                        LOG.log(
                                Level.WARNING,
                                secrets.certificate().isPresent()
                                        ? "the gateway asked for a client certificate again after one was presented; declining"
                                        : "the gateway asks for a client certificate, and none is configured (--certificate); declining");
                    }
                    body = AuthXml.init(
                            profile, capabilities, gateway.withPath(path).toString(), Optional.empty(), !retry);
                }
                case AuthReply.Form next -> {
                    if (next.banner().isPresent()) {
                        preLoginBanner = next.banner();
                    }
                    path = actionPath(next.action(), path);
                    Optional<FormField> ssoInput = browser.isPresent() ? ssoInput(next) : Optional.empty();
                    LoginDialogue.Step step =
                            ssoInput.isPresent() ? otherInputs(next, dialogue) : dialogue.answer(next);
                    body = switch (step) {
                        case LoginDialogue.Answers answers
                        when ssoInput.isPresent() -> {
                            if (tokenSent) {
                                throw AuthenticationException.rejected(
                                        "the gateway asked for the single sign-on again after "
                                                + "the token was sent: it did not take the token");
                            }
                            tokenSent = true;
                            // The login in the browser takes minutes: no connection is held open meanwhile, and the
                            // token goes out on a new one, where the login state (cookies, opaque) carries on.
                            connection.close();
                            String token = browser.get()
                                    .obtainToken(next.sso().orElseThrow().loginUrl(), strap.orElseThrow());
                            connection = connector.connect(gateway, secrets.certificate());
                            List<Map.Entry<String, String>> fields = new ArrayList<>(answers.fields());
                            fields.add(Map.entry(ssoInput.get().name(), token));
                            yield AuthXml.reply(profile, capabilities, opaque, fields, answers.groupSelect());
                        }
                        case LoginDialogue.Answers answers ->
                            AuthXml.reply(profile, capabilities, opaque, answers.fields(), answers.groupSelect());
                        case LoginDialogue.SwitchGroup group ->
                            AuthXml.init(
                                    profile,
                                    capabilities,
                                    gateway.withPath(path).toString(),
                                    Optional.of(group.group()),
                                    false);
                    };
                }
            }
        }
        throw new ProtocolException("the gateway sent more than " + MAX_FORMS + " login forms");
    }

    /**
     * The token input of an SSO form that the external browser can answer, if the form is one. An SSO form that wants
     * an embedded browser, or that is not whole, cannot be answered.
     */
    private static Optional<FormField> ssoInput(AuthReply.Form form) throws AuthenticationException, ProtocolException {
        List<FormField> inputs = form.fields().stream()
                .filter(field -> field.kind() == FormField.Kind.SSO)
                .toList();
        if (form.sso().isEmpty() && inputs.isEmpty()) {
            return Optional.empty();
        }
        if (form.sso().isEmpty()) {
            throw new ProtocolException(
                    "the gateway's login form has an SSO token input but no sso-v2-login address to log in at");
        }
        if (!form.sso().get().externalBrowser()) {
            throw AuthenticationException.unanswerable(
                    "the gateway wants its single sign-on in an embedded browser window (its form "
                            + "has no sso-v2-browser-mode 'external'), which a command line cannot host: the gateway's administrator can "
                            + "enable the external browser for this group; or log in with a client that embeds a browser and hand the "
                            + "session cookie over with --cookie-file");
        }
        if (inputs.size() != 1) {
            throw new ProtocolException("the gateway's SSO form has " + inputs.size()
                    + " token inputs (<input type=\"sso\">); one expected");
        }
        return Optional.of(inputs.getFirst());
    }

    /**
     * The answers to an SSO form's other inputs (a group list, hidden state), as to any form's; a form that reports an
     * error (a token the gateway refused) ends the login, and a form with no other input needs no answers.
     */
    private static LoginDialogue.Step otherInputs(AuthReply.Form form, LoginDialogue dialogue)
            throws AuthenticationException {
        if (form.error().isPresent()) {
            throw AuthenticationException.rejected("the gateway refused the single sign-on (gateway says: "
                    + form.error().get().replace('\n', ' ').strip() + ")");
        }
        List<FormField> others = form.fields().stream()
                .filter(field -> field.kind() != FormField.Kind.SSO)
                .toList();
        if (others.isEmpty()) {
            return new LoginDialogue.Answers(List.of(), Optional.empty());
        }
        return dialogue.answer(new AuthReply.Form(
                form.authId(), form.message(), form.error(), form.banner(), form.action(), others, Optional.empty()));
    }

    /** Where a form posts to: a path on the same gateway; credentials never go to another host. */
    private String actionPath(String action, String current) throws ProtocolException {
        if (action.isEmpty()) {
            return current;
        }
        try {
            URI uri = new URI(action);
            if (uri.getHost() != null && !uri.getHost().equalsIgnoreCase(gateway.host())) {
                throw new ProtocolException(
                        "the gateway's login form posts to another host (" + uri.getHost() + "); refused");
            }
            String path = uri.getRawPath();
            return path == null || path.isEmpty() ? current : path.startsWith("/") ? path : "/" + path;
        } catch (URISyntaxException e) {
            throw new ProtocolException("the gateway's login form has a bad action '" + action + "'");
        }
    }
}
