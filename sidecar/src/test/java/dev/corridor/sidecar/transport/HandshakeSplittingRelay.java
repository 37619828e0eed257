package dev.corridor.sidecar.transport;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;

/**
 * A TCP relay on loopback in front of a TLS 1.2 server that delivers the server's first flight one handshake message
 * per record (TLS allows any fragmentation of handshake messages) and holds back everything after the Certificate
 * until the client closes: the client then has the server's certificate, and nothing after it, to decide on. Serves
 * one connection.
 */
final class HandshakeSplittingRelay implements AutoCloseable {
    private static final int HANDSHAKE = 22;
    private static final int CERTIFICATE = 11;

    private final ServerSocket listener;
    private final InetSocketAddress server;
    private final Thread thread;
    private volatile boolean heldBack;

    HandshakeSplittingRelay(InetSocketAddress server) throws IOException {
        this.listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        this.server = server;
        this.thread = Thread.ofPlatform().daemon().name("handshake-relay").start(this::relay);
    }

    int port() {
        return listener.getLocalPort();
    }

    /** True once the relay has sent the Certificate and is holding back the rest of the flight. */
    boolean heldBackAfterTheCertificate() {
        return heldBack;
    }

    private void relay() {
        try (Socket client = listener.accept();
                Socket upstream = new Socket(server.getAddress(), server.getPort())) {
            Thread fromClient = Thread.ofPlatform().daemon().start(() -> copy(client, upstream));
            DataInputStream in = new DataInputStream(upstream.getInputStream());
            OutputStream out = client.getOutputStream();
            ByteArrayOutputStream messages = new ByteArrayOutputStream();
            while (true) {
                int type = in.readUnsignedByte();
                int major = in.readUnsignedByte();
                int minor = in.readUnsignedByte();
                byte[] fragment = new byte[in.readUnsignedShort()];
                in.readFully(fragment);
                if (type != HANDSHAKE) {
                    out.write(record(type, major, minor, fragment));
                    continue;
                }
                messages.write(fragment);
                byte[] buffered = messages.toByteArray();
                int at = 0;
                while (buffered.length - at >= 4) {
                    int length = (buffered[at + 1] & 0xff) << 16
                            | (buffered[at + 2] & 0xff) << 8
                            | (buffered[at + 3] & 0xff);
                    if (buffered.length - at < 4 + length) {
                        break;
                    }
                    byte[] message = java.util.Arrays.copyOfRange(buffered, at, at + 4 + length);
                    // Said before the Certificate goes out: the client may refuse it and the test look before this
                    // thread runs on.
                    heldBack |= message[0] == CERTIFICATE;
                    out.write(record(HANDSHAKE, major, minor, message));
                    out.flush();
                    at += 4 + length;
                    if (message[0] == CERTIFICATE) {
                        fromClient.join(); // until the client closes
                        return;
                    }
                }
                messages.reset();
                messages.write(buffered, at, buffered.length - at);
            }
        } catch (IOException e) {
            // a side closed: the relay's work is done
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static byte[] record(int type, int major, int minor, byte[] fragment) {
        ByteArrayOutputStream record = new ByteArrayOutputStream();
        record.write(type);
        record.write(major);
        record.write(minor);
        record.write(fragment.length >>> 8);
        record.write(fragment.length & 0xff);
        record.writeBytes(fragment);
        return record.toByteArray();
    }

    private static void copy(Socket from, Socket to) {
        try {
            InputStream in = from.getInputStream();
            byte[] buf = new byte[4096];
            int n;
            while ((n = in.read(buf)) >= 0) {
                to.getOutputStream().write(buf, 0, n);
            }
        } catch (IOException e) {
            // a side closed
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        listener.close();
        thread.join(Duration.ofSeconds(10));
    }
}
