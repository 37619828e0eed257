package dev.corridor.sidecar.transport;

import dev.corridor.sidecar.protocol.ProtocolException;
import dev.corridor.sidecar.protocol.http.HttpRequest;
import dev.corridor.sidecar.protocol.http.HttpResponse;
import dev.corridor.sidecar.protocol.http.HttpResponseHead;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Arrays;
import java.util.OptionalLong;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;

/**
 * One TLS connection to the gateway: HTTP exchanges for the login, then {@code CONNECT}, after which it
 * becomes the CSTP channel.
 */
public final class TlsConnection implements Closeable {
    /** Large enough for a CSTP frame at the TLS record maximum, several times over. */
    static final int BUFFER_SIZE = 64 * 1024;
    /** No gateway reply head is this long; beyond it the reply is refused rather than buffered. */
    static final int MAX_HEAD = 32 * 1024;
    /** Login pages are a few KiB; a larger body is refused rather than held in memory. */
    static final int MAX_BODY = 1024 * 1024;

    private final SSLSocket socket;
    private final Socket tcp;
    private final InetSocketAddress remote;
    private final InboundBuffer in;
    private final OutputStream out;
    private boolean reusable = true;

    TlsConnection(SSLSocket socket, Socket tcp, InetSocketAddress remote) throws IOException {
        this.socket = socket;
        this.tcp = tcp;
        this.remote = remote;
        this.in = new InboundBuffer(socket.getInputStream(), BUFFER_SIZE);
        this.out = socket.getOutputStream();
    }

    /** The gateway's resolved address and port. */
    public InetSocketAddress remote() {
        return remote;
    }

    public SSLSession session() {
        return socket.getSession();
    }

    /** False once the gateway said it closes the connection after its reply. */
    public boolean reusable() {
        return reusable && !tcp.isClosed();
    }

    /** Sends a request and reads the whole reply. */
    public HttpResponse exchange(HttpRequest request) throws IOException {
        HttpResponseHead head = send(request);
        byte[] body = readBody(head);
        if (head.headers().first("Connection").map(v -> v.equalsIgnoreCase("close")).orElse(false)) {
            reusable = false;
        }
        return new HttpResponse(head, body);
    }

    /**
     * Sends {@code CONNECT} and reads the reply head only: on success the CSTP stream follows the blank line
     * directly, and whatever of it is already buffered stays buffered for {@link #openCstp()}.
     */
    public HttpResponseHead connect(HttpRequest request) throws IOException {
        return send(request);
    }

    /**
     * Turns this connection into the CSTP channel, which blocks on reads until the gateway speaks. The channel
     * closes the TCP socket directly: a TLS close_notify could block behind unacknowledged data when the
     * gateway is gone, and ocserv ends the session on DISCONNECT anyway.
     */
    public CstpChannel openCstp() throws IOException {
        socket.setSoTimeout(0);
        return new CstpChannel(tcp, in, out);
    }

    private HttpResponseHead send(HttpRequest request) throws IOException {
        out.write(request.encode());
        out.flush();
        int end;
        while ((end = in.indexOfBlankLine()) < 0) {
            if (in.available() >= MAX_HEAD) {
                throw new ProtocolException("the gateway's reply to " + request + " has a head longer than " + MAX_HEAD + " bytes");
            }
            if (!in.fill()) {
                throw new ProtocolException("the gateway closed the connection instead of answering " + request);
            }
        }
        int length = end + 4 - in.position;
        HttpResponseHead head = HttpResponseHead.parse(in.bytes, in.position, length);
        in.skip(length);
        return head;
    }

    private byte[] readBody(HttpResponseHead head) throws IOException {
        if (head.headers().first("Transfer-Encoding").isPresent()) {
            throw new ProtocolException("the gateway sent a " + head.headers().first("Transfer-Encoding").get()
                    + "-encoded body; only Content-Length bodies are supported");
        }
        OptionalLong length = head.contentLength();
        if (length.isEmpty()) {
            reusable = false; // the body runs to the end of the connection
            return readToEnd();
        }
        if (length.getAsLong() > MAX_BODY) {
            throw new ProtocolException("the gateway announced a " + length.getAsLong() + "-byte body; at most " + MAX_BODY + " is accepted");
        }
        byte[] body = new byte[(int) length.getAsLong()];
        int filled = 0;
        while (filled < body.length) {
            if (in.available() == 0 && !in.fill()) {
                throw new ProtocolException("the gateway closed the connection " + (body.length - filled) + " bytes before the end of its reply");
            }
            int chunk = Math.min(in.available(), body.length - filled);
            System.arraycopy(in.bytes, in.position, body, filled, chunk);
            in.skip(chunk);
            filled += chunk;
        }
        return body;
    }

    private byte[] readToEnd() throws IOException {
        byte[] body = new byte[0];
        while (in.available() > 0 || in.fill()) {
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

    /** Closes the TCP connection without a TLS goodbye, so that it never waits on a gateway that stopped answering. */
    @Override
    public void close() throws IOException {
        tcp.close();
    }
}
