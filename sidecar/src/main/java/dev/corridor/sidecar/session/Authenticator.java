package dev.corridor.sidecar.session;

import dev.corridor.sidecar.config.ConfigException;
import dev.corridor.sidecar.protocol.ProtocolException;
import dev.corridor.sidecar.protocol.auth.AuthReply;
import dev.corridor.sidecar.protocol.auth.AuthRequests;
import dev.corridor.sidecar.protocol.auth.AuthXml;
import dev.corridor.sidecar.protocol.auth.AuthenticationException;
import dev.corridor.sidecar.protocol.auth.CookieJar;
import dev.corridor.sidecar.protocol.auth.LoginDialogue;
import dev.corridor.sidecar.protocol.http.HttpResponse;
import dev.corridor.sidecar.protocol.http.HttpResponseHead;
import dev.corridor.sidecar.transport.GatewayUrl;
import dev.corridor.sidecar.transport.TlsConnection;
import dev.corridor.sidecar.transport.TlsConnector;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Instant;
import java.util.Optional;

/** The aggregate-auth login: init, then one POST per form, until the gateway sets the session cookie. */
final class Authenticator {
    /** ocserv closes a connection after 16 requests; no real login needs more forms than that. */
    static final int MAX_FORMS = 16;

    private final GatewayUrl gateway;
    private final TlsConnector connector;
    private final Optional<String> authGroup;

    /** The session cookie, and the connection to send CONNECT on (the login's, when the gateway kept it open). */
    record Login(String sessionCookie, TlsConnection connection, Optional<String> banner) {
        @Override
        public String toString() {
            return "Login[banner=" + banner + "]";
        }
    }

    Authenticator(GatewayUrl gateway, TlsConnector connector, Optional<String> authGroup) {
        this.gateway = gateway;
        this.connector = connector;
        this.authGroup = authGroup;
    }

    Login login(TlsConnection first, CredentialSource credentials) throws IOException, AuthenticationException, ConfigException {
        LoginDialogue dialogue = new LoginDialogue(credentials.load(), authGroup);
        CookieJar cookies = new CookieJar();
        TlsConnection connection = first;
        String path = gateway.path();
        // The group is chosen from the form's genuine list: ocserv echoes any group an init names as an option.
        byte[] body = AuthXml.init(gateway.toString(), Optional.empty());
        for (int form = 0; form < MAX_FORMS; form++) {
            if (!connection.reusable()) {
                // The login state lives in the webvpncontext cookie, so a fresh connection continues it.
                connection.close();
                connection = connector.connect(gateway);
            }
            HttpResponse response = connection.exchange(AuthRequests.post(gateway.authority(), path, cookies, body));
            HttpResponseHead head = response.head();
            if (head.status() == 401 || head.status() == 403) {
                throw AuthenticationException.rejected("the gateway refused the login: " + head.statusText());
            }
            if (head.status() != 200) {
                throw new ProtocolException("the gateway answered the login with HTTP " + head.statusText());
            }
            cookies.update(head.headers().all("Set-Cookie"), Instant.now());
            switch (AuthXml.parse(response.body())) {
                case AuthReply.Success success -> {
                    String cookie = cookies.get(CookieJar.SESSION_COOKIE).orElseThrow(() -> new ProtocolException(
                            "the gateway reported a successful login but set no " + CookieJar.SESSION_COOKIE + " cookie"));
                    return new Login(cookie, connection, success.banner());
                }
                case AuthReply.Form next -> {
                    path = actionPath(next.action(), path);
                    body = switch (dialogue.answer(next)) {
                        case LoginDialogue.Answers answers -> AuthXml.reply(answers.fields(), answers.groupSelect());
                        case LoginDialogue.SwitchGroup group -> AuthXml.init(gateway.withPath(path).toString(), Optional.of(group.group()));
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
