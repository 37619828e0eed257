package dev.corridor.operator.monitoring;

import dev.corridor.sidecar.testing.NetworkNamespace;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * The pod network between the operator and a sidecar, as {@code kubectl port-forward} would make it: an address and
 * port in the test's own network namespace (the pod's IP and the sidecar's port, as far as the operator knows) whose
 * connections reach a port on loopback inside the pod's namespace, where the real sidecar listens. The operator's
 * sidecar probe, which runs in this JVM, reads the real /status through it.
 */
final class PodPortForward implements AutoCloseable {
    private final ServerSocket listener;
    private final Thread acceptor;

    private PodPortForward(ServerSocket listener, NetworkNamespace pod, int podPort) {
        this.listener = listener;
        this.acceptor = Thread.ofVirtual().name("port-forward-" + podPort).start(() -> accept(pod, podPort));
    }

    static PodPortForward to(NetworkNamespace pod, int podPort, InetSocketAddress listen) throws IOException {
        return new PodPortForward(new ServerSocket(listen.getPort(), 8, listen.getAddress()), pod, podPort);
    }

    /** The address connections are forwarded from: the pod IP the operator is given. */
    String address() {
        return listener.getInetAddress().getHostAddress();
    }

    private void accept(NetworkNamespace pod, int podPort) {
        while (!listener.isClosed()) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return; // closed
            }
            try {
                // A socket belongs to the namespace of the thread that creates it.
                Socket upstream = pod.call(() -> new Socket(InetAddress.getLoopbackAddress(), podPort));
                pipe(client, upstream);
                pipe(upstream, client);
            } catch (Exception e) {
                // Nothing listens in the pod: the client sees its connection closed, as a refused forward does.
                closeQuietly(client);
            }
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // closing is all that was wanted
        }
    }

    /** Copies one direction; the end of either side closes both. */
    private static void pipe(Socket from, Socket to) {
        Thread.ofVirtual().start(() -> {
            try (from;
                    to;
                    InputStream in = from.getInputStream();
                    OutputStream out = to.getOutputStream()) {
                in.transferTo(out);
            } catch (IOException e) {
                // the other direction closed the sockets
            }
        });
    }

    @Override
    public void close() throws IOException {
        listener.close();
        acceptor.interrupt();
    }
}
