package dev.corridor.sidecar.session;

import dev.corridor.sidecar.config.ConfigException;
import dev.corridor.sidecar.protocol.ProtocolException;
import dev.corridor.sidecar.protocol.auth.AuthenticationException;
import dev.corridor.sidecar.protocol.http.HttpResponseHead;
import dev.corridor.sidecar.protocol.tunnel.ConnectRequest;
import dev.corridor.sidecar.protocol.tunnel.SessionConfig;
import dev.corridor.sidecar.protocol.tunnel.SessionConfigParser;
import dev.corridor.sidecar.transport.CstpChannel;
import dev.corridor.sidecar.transport.GatewayUnreachableException;
import dev.corridor.sidecar.transport.GatewayUrl;
import dev.corridor.sidecar.transport.TlsConnection;
import dev.corridor.sidecar.transport.TlsConnector;
import dev.corridor.sidecar.transport.UntrustedCertificateException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.util.Optional;
import java.util.function.ToIntFunction;

/** Opens a session: TLS, login, then {@code CONNECT}, and reads the gateway's session settings. */
final class SessionOpener {
    private final GatewayUrl gateway;
    private final TlsConnector connector;
    private final Authenticator authenticator;
    private final CredentialSource credentials;
    private final ToIntFunction<InetAddress> baseMtu;
    private final String localHostname;
    private volatile TlsConnection current;
    private volatile boolean aborted;

    /** An open session: the CSTP channel and what the gateway said about it. */
    record OpenSession(CstpChannel cstp, SessionConfig config, InetSocketAddress gateway, String tlsProtocol,
                       String tlsCipherSuite, Optional<String> banner) {
    }

    /**
     * @param baseMtu the MTU of the link towards a gateway address, asked once the address is known
     */
    SessionOpener(GatewayUrl gateway, TlsConnector connector, CredentialSource credentials, Optional<String> authGroup,
                  ToIntFunction<InetAddress> baseMtu, String localHostname) {
        this.gateway = gateway;
        this.connector = connector;
        this.authenticator = new Authenticator(gateway, connector, authGroup);
        this.credentials = credentials;
        this.baseMtu = baseMtu;
        this.localHostname = localHostname;
    }

    OpenSession open() throws TunnelFailure {
        TlsConnection connection = null;
        try {
            connection = track(connector.connect(gateway));
            Authenticator.Login login = authenticator.login(connection, credentials);
            connection = track(login.connection());
            InetSocketAddress remote = connection.remote();
            ConnectRequest request = new ConnectRequest(gateway.authority(), login.sessionCookie(), localHostname,
                    baseMtu.applyAsInt(remote.getAddress()));
            HttpResponseHead reply = connection.connect(request.toHttp());
            if (reply.status() == 401) {
                throw new TunnelFailure(TunnelFailure.Kind.AUTHENTICATION, "the gateway refused to open the tunnel: "
                        + reply.statusText() + " (ocserv also answers this when its address pool is exhausted or the user has too many sessions)");
            }
            if (reply.status() != 200) {
                throw new TunnelFailure(TunnelFailure.Kind.PROTOCOL, "the gateway refused to open the tunnel: " + reply.statusText()
                        + reply.headers().first("X-Reason").map(r -> " (" + r + ")").orElse(""));
            }
            SessionConfig config = SessionConfigParser.parse(reply.headers());
            var session = connection.session();
            return new OpenSession(connection.openCstp(), config, remote, session.getProtocol(), session.getCipherSuite(), login.banner());
        } catch (TunnelFailure e) {
            closeQuietly(connection);
            throw e;
        } catch (UntrustedCertificateException e) {
            throw new TunnelFailure(TunnelFailure.Kind.UNTRUSTED_CERTIFICATE, e.getMessage(), e);
        } catch (GatewayUnreachableException e) {
            throw new TunnelFailure(TunnelFailure.Kind.UNREACHABLE, e.getMessage(), e);
        } catch (AuthenticationException e) {
            closeQuietly(connection);
            throw new TunnelFailure(e.rejectedByGateway() ? TunnelFailure.Kind.AUTHENTICATION : TunnelFailure.Kind.CONFIGURATION,
                    e.getMessage(), e);
        } catch (ConfigException e) {
            closeQuietly(connection);
            throw new TunnelFailure(TunnelFailure.Kind.CONFIGURATION, e.getMessage(), e);
        } catch (ProtocolException e) {
            closeQuietly(connection);
            throw new TunnelFailure(TunnelFailure.Kind.PROTOCOL, e.getMessage(), e);
        } catch (SocketTimeoutException e) {
            closeQuietly(connection);
            throw new TunnelFailure(TunnelFailure.Kind.UNREACHABLE, "the gateway " + gateway.authority() + " stopped answering", e);
        } catch (IOException e) {
            closeQuietly(connection);
            String message = aborted ? "stopped while connecting" : "the connection to the gateway " + gateway.authority() + " failed: " + e.getMessage();
            throw new TunnelFailure(TunnelFailure.Kind.UNREACHABLE, message, e);
        } finally {
            current = null;
        }
    }

    /** Breaks off an {@link #open()} in progress, from another thread. */
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
            try {
                connection.close();
            } catch (IOException ignored) {
                // Closing is best effort: the connection is being abandoned either way.
            }
        }
    }
}
