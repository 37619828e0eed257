package dev.corridor.sidecar.transport;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A TLS server on 127.0.0.1 that presents a test identity: it accepts connections one after another until closed,
 * completes the handshake on each and hands it to the test's {@link Conversation}. It counts the handshakes that
 * completed, so a test can tell a refused certificate from one the client accepted.
 */
public final class LoopbackTlsServer implements AutoCloseable {
    /** What the server does on one connection once the handshake is done. */
    @FunctionalInterface
    public interface Conversation {
        void serve(SSLSocket socket) throws IOException;
    }

    private final ServerSocket listener;
    private final SSLContext tls;
    private final Conversation conversation;
    private final String[] protocols;
    private final AtomicInteger handshakes = new AtomicInteger();
    private final Thread acceptor;
    private volatile Socket current;

    private LoopbackTlsServer(ServerSocket listener, SSLContext tls, Conversation conversation, String[] protocols) {
        this.listener = listener;
        this.tls = tls;
        this.conversation = conversation;
        this.protocols = protocols;
        this.acceptor = Thread.ofPlatform().daemon().name("loopback-tls").start(this::serve);
    }

    public static LoopbackTlsServer start(TestCertificates.Identity identity, Conversation conversation)
            throws IOException {
        return start(identity, conversation, "TLSv1.3", "TLSv1.2");
    }

    /** A server that speaks only {@code protocols} ("TLSv1.2", "TLSv1.3"). */
    public static LoopbackTlsServer start(
            TestCertificates.Identity identity, Conversation conversation, String... protocols) throws IOException {
        return new LoopbackTlsServer(
                new ServerSocket(0, 8, InetAddress.getLoopbackAddress()),
                identity.serverContext(),
                conversation,
                protocols.clone());
    }

    /** A server that completes the handshake and then waits for the client to close. */
    public static LoopbackTlsServer start(TestCertificates.Identity identity) throws IOException {
        return start(identity, socket -> socket.getInputStream().transferTo(java.io.OutputStream.nullOutputStream()));
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** The server's URL by its IP literal, the name its certificates give with {@code TestCertificates}' "127.0.0.1". */
    public GatewayUrl url() {
        return new GatewayUrl("127.0.0.1", port(), "/");
    }

    /** TLS handshakes that completed: each one a connection the client accepted. */
    public int handshakesCompleted() {
        return handshakes.get();
    }

    private void serve() {
        while (!listener.isClosed()) {
            try (Socket tcp = listener.accept();
                    SSLSocket socket =
                            (SSLSocket) tls.getSocketFactory().createSocket(tcp, null, tcp.getPort(), true)) {
                current = tcp; // closed as TCP: closing the TLS socket would wait for the client's close
                socket.setUseClientMode(false);
                socket.setEnabledProtocols(protocols);
                socket.startHandshake();
                handshakes.incrementAndGet();
                conversation.serve(socket);
            } catch (IOException e) {
                // the client refused the certificate or went away: the next connection may follow
            }
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        listener.close();
        Socket open = current;
        if (open != null) {
            open.close();
        }
        acceptor.join(Duration.ofSeconds(10));
    }
}
