package dev.corridor.sidecar.session.sso;

import dev.corridor.sidecar.protocol.sso.BrowserRequest;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;

/**
 * The local HTTP listener the browser comes back to after an external-browser login, with the encrypted token in its
 * request line (openconnect {@code hpke.c handle_external_browser}). Whatever else reaches it (a favicon request, the
 * browser's spare connections, a probe) is answered or dropped, and the wait goes on, within bounds: loopback peers
 * only (it listens on loopback addresses, and checks), a request line of at most {@value #MAX_REQUEST_LINE} bytes and a
 * head of at most {@value #MAX_HEAD}, at most {@value #MAX_CONNECTIONS} connections waiting for their heads (a new one
 * pushes the oldest out: browsers open spare connections and leave them idle), all on the calling thread.
 */
final class CallbackListener implements AutoCloseable {
    /** hpke.c reads the request line into 4096 bytes; the token and the return address fit in a few hundred. */
    static final int MAX_REQUEST_LINE = 4096;
    /** Browsers send every cookie they hold for localhost with the request: the rest of the head is read and dropped, up to this. */
    static final int MAX_HEAD = 32 * 1024;

    static final int MAX_CONNECTIONS = 8;
    /** The kernel's queue of connections not yet taken: room for a burst, which the cap above then thins. */
    private static final int BACKLOG = 16;

    private final Selector selector;
    private final List<InetSocketAddress> addresses;
    private final List<Incoming> open = new ArrayList<>();
    private final ByteBuffer buffer = ByteBuffer.allocate(4096);

    private CallbackListener(Selector selector, List<InetSocketAddress> addresses) {
        this.selector = selector;
        this.addresses = List.copyOf(addresses);
    }

    /**
     * Listens on {@code port} of each of {@code addresses} this host has; an address it does not have (::1 where IPv6 is
     * off, as in many pods) is left out, but one that cannot be bound (the port taken by another login that waits for
     * its browser) fails the whole: the browser's redirect could land there instead.
     *
     * @throws IOException naming the address that could not be bound, or saying that none of them exists here
     */
    static CallbackListener open(List<InetAddress> addresses, int port) throws IOException {
        Selector selector = Selector.open();
        List<InetSocketAddress> bound = new ArrayList<>();
        try {
            for (InetAddress address : addresses) {
                if (NetworkInterface.getByInetAddress(address) == null) {
                    continue;
                }
                InetSocketAddress local = new InetSocketAddress(address, port);
                ServerSocketChannel server = ServerSocketChannel.open(
                        address instanceof Inet6Address ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
                try {
                    server.setOption(
                            StandardSocketOptions.SO_REUSEADDR, true); // as hpke.c: a login right after another
                    server.bind(local, BACKLOG);
                    server.configureBlocking(false);
                    server.register(selector, SelectionKey.OP_ACCEPT);
                } catch (IOException e) {
                    server.close();
                    throw new IOException("cannot listen on " + describe(local) + ": " + e.getMessage(), e);
                }
                bound.add((InetSocketAddress) server.getLocalAddress());
            }
            if (bound.isEmpty()) {
                throw new IOException("none of the loopback addresses "
                        + addresses.stream().map(InetAddress::getHostAddress).toList() + " is configured here");
            }
            return new CallbackListener(selector, bound);
        } catch (IOException | RuntimeException e) {
            closeAll(selector);
            throw e;
        }
    }

    /** Where it listens, with the ports the system chose for port 0. */
    List<InetSocketAddress> addresses() {
        return addresses;
    }

    /**
     * Serves connections until one brings the token, or {@code deadline} ({@link System#nanoTime()}) passes.
     *
     * @return the browser's request, its connection still open for the answer; empty when the time is up
     */
    Optional<Arrival> await(long deadline) throws IOException {
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return Optional.empty();
            }
            selector.select(Duration.ofNanos(left).toMillis() + 1);
            Iterator<SelectionKey> ready = selector.selectedKeys().iterator();
            while (ready.hasNext()) {
                SelectionKey key = ready.next();
                ready.remove();
                if (!key.isValid()) {
                    continue;
                }
                if (key.isAcceptable()) {
                    accept((ServerSocketChannel) key.channel());
                } else if (key.isReadable()) {
                    Optional<Arrival> arrival = read((Incoming) key.attachment());
                    if (arrival.isPresent()) {
                        return arrival;
                    }
                }
            }
        }
    }

    private void accept(ServerSocketChannel server) throws IOException {
        SocketChannel channel = server.accept();
        if (channel == null) {
            return;
        }
        Incoming incoming = new Incoming(channel);
        try {
            if (!(channel.getRemoteAddress() instanceof InetSocketAddress peer)
                    || !peer.getAddress().isLoopbackAddress()) {
                incoming.close(); // bound to loopback, so never: but the token is a credential
                return;
            }
            channel.configureBlocking(false);
            channel.register(selector, SelectionKey.OP_READ, incoming);
        } catch (IOException e) {
            incoming.close(); // a peer that left at once costs nothing but itself
            return;
        }
        if (open.size() >= MAX_CONNECTIONS) {
            open.removeFirst().close(); // a flood of idle connections must not lock the browser out
        }
        open.add(incoming);
    }

    private Optional<Arrival> read(Incoming incoming) {
        buffer.clear();
        Head.State state;
        try {
            if (incoming.channel.read(buffer) < 0) {
                drop(incoming); // the peer left
                return Optional.empty();
            }
            state = incoming.head.feed(buffer.flip());
        } catch (IOException e) {
            drop(incoming);
            return Optional.empty();
        }
        if (state == Head.State.INCOMPLETE) {
            return Optional.empty();
        }
        open.remove(incoming);
        BrowserRequest request = state == Head.State.TOO_LONG
                ? new BrowserRequest.Malformed()
                : BrowserRequest.parse(incoming.head.requestLine());
        switch (request) {
            case BrowserRequest.Callback callback -> {
                return Optional.of(new Arrival(incoming.channel, callback));
            }
            case BrowserRequest.NotFound notFound ->
                send(incoming.channel, answer("404 Not Found", Optional.empty(), ""));
            case BrowserRequest.Malformed malformed -> {
                // dropped unanswered, as hpke.c drops what is not a request line
            }
        }
        incoming.close();
        return Optional.empty();
    }

    private void drop(Incoming incoming) {
        open.remove(incoming);
        incoming.close();
    }

    /** Closes every connection and stops listening: the port is free again when this returns. */
    @Override
    public void close() {
        open.forEach(Incoming::close);
        open.clear();
        closeAll(selector);
    }

    private static void closeAll(Selector selector) {
        if (!selector.isOpen()) {
            return;
        }
        for (SelectionKey key : selector.keys()) {
            try {
                key.channel().close();
            } catch (IOException e) {
                // closing: nothing left to do with it
            }
        }
        try {
            selector.close();
        } catch (IOException e) {
            // as above
        }
    }

    /** {@code [::1]:29786} or {@code 127.0.0.1:29786}, as a user types it. */
    static String describe(InetSocketAddress address) {
        InetAddress ip = address.getAddress();
        String host = ip instanceof Inet6Address
                ? "[" + (ip.isLoopbackAddress() ? "::1" : ip.getHostAddress()) + "]"
                : ip.getHostAddress();
        return host + ":" + address.getPort();
    }

    /**
     * Writes a short answer without waiting: a few hundred bytes on a connection that has sent its request and is
     * waiting for the answer always fit in the socket's buffer; should they not, the browser shows an error, which
     * changes nothing for the login.
     */
    private static void send(SocketChannel channel, byte[] bytes) {
        ByteBuffer out = ByteBuffer.wrap(bytes);
        try {
            while (out.hasRemaining() && channel.write(out) > 0) {
                // until written or the buffer is full
            }
        } catch (IOException e) {
            // the browser left: nothing to tell it
        }
    }

    /** The browser's request with the token; its connection is kept for the answer, which closes it. */
    static final class Arrival implements AutoCloseable {
        private final SocketChannel channel;
        private final BrowserRequest.Callback callback;

        private Arrival(SocketChannel channel, BrowserRequest.Callback callback) {
            this.channel = channel;
            this.callback = callback;
        }

        BrowserRequest.Callback callback() {
            return callback;
        }

        /** Sends the browser on to where the gateway said (hpke.c: a 302 to the return address). */
        void redirect(String location) {
            send(channel, answer("302 Found", Optional.of(location), ""));
        }

        /** Tells the browser the login is done (hpke.c's answer when there is no return address). */
        void done() {
            send(
                    channel,
                    answer(
                            "200 OK",
                            Optional.empty(),
                            "Logged in: Corridor has the session. This window can be closed.\n"));
        }

        /** Tells the browser why the token could not be used: the user is looking at the browser. */
        void failed(String reason) {
            send(
                    channel,
                    answer("400 Bad Request", Optional.empty(), "Corridor could not use this login: " + reason + "\n"));
        }

        @Override
        public void close() {
            try {
                channel.close();
            } catch (IOException e) {
                // closing: nothing left to do with it
            }
        }
    }

    /**
     * An answer of the listener: its own short texts, never anything the request carried but a return address that
     * {@link BrowserRequest} checked.
     */
    private static byte[] answer(String status, Optional<String> location, String text) {
        byte[] body = text.getBytes(StandardCharsets.US_ASCII);
        String head = "HTTP/1.1 " + status + "\r\nConnection: close\r\nCache-Control: no-store\r\n"
                + location.map(url -> "Location: " + url + "\r\n").orElse("")
                + (body.length > 0 ? "Content-Type: text/plain; charset=us-ascii\r\n" : "")
                + "Content-Length: " + body.length + "\r\n\r\n";
        ByteBuffer bytes = ByteBuffer.allocate(head.length() + body.length);
        return bytes.put(head.getBytes(StandardCharsets.US_ASCII)).put(body).array();
    }

    /** A connection waiting for its request head. */
    private static final class Incoming {
        final SocketChannel channel;
        final Head head = new Head();

        Incoming(SocketChannel channel) {
            this.channel = channel;
        }

        void close() {
            try {
                channel.close();
            } catch (IOException e) {
                // closing: nothing left to do with it
            }
        }
    }

    /**
     * A request head read as it arrives: the request line is kept, the header lines are counted and dropped. It ends
     * at the first empty line; a line may end in CRLF or LF alone.
     */
    static final class Head {
        enum State {
            INCOMPLETE,
            COMPLETE,
            TOO_LONG
        }

        private final StringBuilder requestLine = new StringBuilder();
        private boolean inRequestLine = true;
        private int lineLength;
        private int total;

        State feed(ByteBuffer bytes) {
            while (bytes.hasRemaining()) {
                char c = (char) (bytes.get() & 0xff);
                if (++total > MAX_HEAD) {
                    return State.TOO_LONG;
                }
                if (c == '\n') {
                    if (inRequestLine) {
                        inRequestLine = false;
                    } else if (lineLength == 0) {
                        return State.COMPLETE;
                    }
                    lineLength = 0;
                } else if (c != '\r') {
                    lineLength++;
                    if (inRequestLine) {
                        if (requestLine.length() == MAX_REQUEST_LINE) {
                            return State.TOO_LONG;
                        }
                        requestLine.append(c);
                    }
                }
            }
            return State.INCOMPLETE;
        }

        String requestLine() {
            return requestLine.toString();
        }
    }
}
