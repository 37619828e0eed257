package dev.corridor.sidecar.testing;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A TCP transfer between two namespaces, checked end to end: the receiver records who connected and hashes
 * what arrived; the sender hashes what it sent.
 */
public final class TcpTransfer {
    /** The longest the far side waits for the connection, or for the next bytes of it: longer than any outage a test makes. */
    static final Duration STALL = Duration.ofSeconds(60);

    private TcpTransfer() {}

    /** What the far side saw. */
    public record Received(String peerAddress, long bytes, String sha256) {}

    public record Outcome(Received received, String sentSha256) {}

    /** Sends {@code bytes} pseudo-random bytes from {@code client} to {@code host:port} in {@code server}. */
    public static Outcome send(NetworkNamespace client, NetworkNamespace server, String host, int port, long bytes)
            throws Exception {
        return send(client, server, host, port, bytes, Duration.ZERO);
    }

    /**
     * The same, pausing after each 64 KiB chunk, so that one connection stays open across something that happens
     * meanwhile (an outage of the tunnel).
     */
    public static Outcome send(
            NetworkNamespace client, NetworkNamespace server, String host, int port, long bytes, Duration pause)
            throws Exception {
        ServerSocket listener = server.call(() -> new ServerSocket(port, 1, InetAddress.getByName(host)));
        listener.setSoTimeout((int) STALL.toMillis());
        try (listener) {
            CompletableFuture<Received> received = Background.supply(() -> receive(listener));
            Socket socket = client.call(() -> {
                Socket s = new Socket();
                s.connect(new InetSocketAddress(host, port), 5000);
                return s;
            });
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            try (socket;
                    OutputStream out = socket.getOutputStream()) {
                SplittableRandom random = new SplittableRandom(bytes);
                byte[] chunk = new byte[64 * 1024];
                long left = bytes;
                while (left > 0) {
                    int n = (int) Math.min(chunk.length, left);
                    for (int i = 0; i < n; i += 8) {
                        long value = random.nextLong();
                        for (int j = 0; j < 8 && i + j < n; j++) {
                            chunk[i + j] = (byte) (value >>> (8 * j));
                        }
                    }
                    out.write(chunk, 0, n);
                    digest.update(chunk, 0, n);
                    left -= n;
                    if (!pause.isZero()) {
                        Thread.sleep(pause);
                    }
                }
                socket.shutdownOutput();
            }
            return new Outcome(
                    received.get(STALL.toSeconds(), TimeUnit.SECONDS),
                    HexFormat.of().formatHex(digest.digest()));
        }
    }

    private static Received receive(ServerSocket listener) {
        try (Socket peer = listener.accept();
                InputStream in = peer.getInputStream()) {
            peer.setSoTimeout((int) STALL.toMillis());
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[64 * 1024];
            long total = 0;
            int n;
            while ((n = in.read(buf)) > 0) {
                digest.update(buf, 0, n);
                total += n;
            }
            return new Received(
                    peer.getInetAddress().getHostAddress(),
                    total,
                    HexFormat.of().formatHex(digest.digest()));
        } catch (Exception e) {
            throw new IllegalStateException("receiving the transfer failed", e);
        }
    }
}
