package dev.corridor.sidecar.transport;

import dev.corridor.sidecar.protocol.ProtocolException;
import dev.corridor.sidecar.protocol.http.HttpRequest;
import dev.corridor.sidecar.protocol.http.HttpResponse;
import dev.corridor.sidecar.protocol.http.HttpResponseHead;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.OptionalLong;
import javax.net.ssl.SSLSession;

/**
 * One TLS connection to the gateway: HTTP exchanges for the login, then {@code CONNECT}, after which it
 * becomes the CSTP channel.
 */
public final class TlsConnection implements Closeable {
    /** Room for several records of plaintext: a CSTP frame never spans more than one. */
    static final int BUFFER_SIZE = 64 * 1024;
    /** No gateway reply head is this long; beyond it the reply is refused rather than buffered. */
    static final int MAX_HEAD = 32 * 1024;
    /** Login pages are a few KiB; a larger body is refused rather than held in memory. */
    static final int MAX_BODY = 1024 * 1024;

    private final TlsStream tls;
    private final InetSocketAddress remote;
    private final Duration ioTimeout;
    private final InboundBuffer in;
    private boolean reusable = true;

    TlsConnection(TlsStream tls, InetSocketAddress remote, Duration ioTimeout) {
        this.tls = tls;
        this.remote = remote;
        this.ioTimeout = ioTimeout;
        this.in = new InboundBuffer(tls, BUFFER_SIZE);
    }

    /** The gateway's resolved address and port. */
    public InetSocketAddress remote() {
        return remote;
    }

    public SSLSession session() {
        return tls.session();
    }

    /** False once the gateway said it closes the connection after its reply. */
    public boolean reusable() {
        return reusable;
    }

    /** Sends a request and reads the whole reply, each within the I/O timeout. */
    public HttpResponse exchange(HttpRequest request) throws IOException {
        long deadline = deadline();
        HttpResponseHead head = send(request, deadline);
        byte[] body = readBody(head, deadline);
        if (head.headers()
                .first("Connection")
                .map(v -> v.equalsIgnoreCase("close"))
                .orElse(false)) {
            reusable = false;
        }
        return new HttpResponse(head, body);
    }

    /**
     * Sends {@code CONNECT} and reads the reply head only: on success the CSTP stream follows the blank line
     * directly, and whatever of it is already buffered stays buffered for {@link #openCstp()}.
     */
    public HttpResponseHead connect(HttpRequest request) throws IOException {
        return send(request, deadline());
    }

    /** Turns this connection into the CSTP channel. */
    public CstpChannel openCstp() {
        return new CstpChannel(tls, in);
    }

    private HttpResponseHead send(HttpRequest request, long deadline) throws IOException {
        byte[] encoded = request.encode();
        tls.writeBlocking(encoded, 0, encoded.length, deadline);
        int end;
        while ((end = in.indexOfBlankLine()) < 0) {
            if (in.available() >= MAX_HEAD) {
                throw new ProtocolException(
                        "the gateway's reply to " + request + " has a head longer than " + MAX_HEAD + " bytes");
            }
            if (!in.fillBlocking(deadline)) {
                throw new ProtocolException("the gateway closed the connection instead of answering " + request);
            }
        }
        int length = end + 4 - in.position;
        HttpResponseHead head = HttpResponseHead.parse(in.bytes, in.position, length);
        in.skip(length);
        return head;
    }

    private byte[] readBody(HttpResponseHead head, long deadline) throws IOException {
        if (head.headers().first("Transfer-Encoding").isPresent()) {
            throw new ProtocolException("the gateway sent a "
                    + head.headers().first("Transfer-Encoding").get()
                    + "-encoded body; only Content-Length bodies are supported");
        }
        OptionalLong length = head.contentLength();
        if (length.isEmpty()) {
            reusable = false; // the body runs to the end of the connection
            return readToEnd(deadline);
        }
        if (length.getAsLong() > MAX_BODY) {
            throw new ProtocolException("the gateway announced a " + length.getAsLong() + "-byte body; at most "
                    + MAX_BODY + " is accepted");
        }
        byte[] body = new byte[(int) length.getAsLong()];
        int filled = 0;
        while (filled < body.length) {
            if (in.available() == 0 && !in.fillBlocking(deadline)) {
                throw new ProtocolException("the gateway closed the connection " + (body.length - filled)
                        + " bytes before the end of its reply");
            }
            int chunk = Math.min(in.available(), body.length - filled);
            System.arraycopy(in.bytes, in.position, body, filled, chunk);
            in.skip(chunk);
            filled += chunk;
        }
        return body;
    }

    private byte[] readToEnd(long deadline) throws IOException {
        byte[] body = new byte[0];
        while (in.available() > 0 || in.fillBlocking(deadline)) {
            int chunk = in.available();
            if (body.length + chunk > MAX_BODY) {
                throw new ProtocolException("the gateway's reply body exceeds " + MAX_BODY + " bytes");
            }
            body = Arrays.copyOf(body, body.length + chunk);
            System.arraycopy(in.bytes, in.position, body, body.length - chunk, chunk);
            in.skip(chunk);
        }
        return body;
    }

    private long deadline() {
        return System.nanoTime() + ioTimeout.toNanos();
    }

    /** Closes the TCP connection without a TLS goodbye, so that it never waits on a gateway that stopped answering. */
    @Override
    public void close() {
        tls.close();
    }
}
