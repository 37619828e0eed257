package dev.corridor.sidecar.http;

import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A small HTTP/1.1 server with fixed bounds, so that whoever reaches the port can neither fill the sidecar's 16 MB heap
 * nor keep the kubelet's probes from answering.
 *
 * <p>Not the JDK's {@code com.sun.net.httpserver}: its limits are JVM-wide system properties read once, and its
 * connection cap ({@code jdk.httpserver.maxConnections}) turns away the <em>newest</em> connection, so whoever holds
 * that many slow or silent connections turns away every probe (measured with all its limits set and a cap of 16:
 * 16 slowloris connections failed 15 of 20 probes). Without the cap, 400 slowloris connections filled the 16 MB heap
 * (about 30 KB of buffers each); with its default header limit (380 KB), 80 connections did.
 *
 * <p>Here a connection serves one request and is closed. Its request head must fit {@link #MAX_HEAD_BYTES} and arrive
 * whole within {@link #HEAD_TIMEOUT}; a body is never read. At most {@link #MAX_CONNECTIONS} are open: a new one makes
 * room by closing another, chosen among the most numerous caller's and the slowest ({@link #slowest()}), so a new
 * connection, a probe's, is always served.
 */
final class BoundedHttpServer implements AutoCloseable {
    private static final Logger LOG = System.getLogger(BoundedHttpServer.class.getName());

    /**
     * The kubelet, Prometheus and the operator open a few connections at a time, each for milliseconds. An idle
     * connection costs about 4 KB here; more room means a flood of connections must be faster to close a probe's.
     */
    static final int MAX_CONNECTIONS = 32;
    /** A probe's head is about 150 bytes, a bearer token adds a hundred; 8 KB is the usual server default. */
    static final int MAX_HEAD_BYTES = 8 * 1024;
    /** Clients send the head at once; the kubelet gives up on a probe after 1 s by default. */
    static final Duration HEAD_TIMEOUT = Duration.ofSeconds(2);
    /** For making and sending the answer: Prometheus's default scrape timeout. */
    static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(10);
    /**
     * Connections the kernel holds until they are accepted. A burst while the acceptor waits (for a collection, say) must
     * fit: a connection refused at this point costs a probe a one-second retransmission.
     */
    private static final int BACKLOG = 128;

    private static final Duration ACCEPT_FAILURE_PAUSE = Duration.ofSeconds(1);

    private final ServerSocket listener;
    private final Function<Request, Response> handler;
    /** Open connections, oldest first. */
    private final List<Connection> connections = new ArrayList<>(MAX_CONNECTIONS);

    private final Thread acceptor;

    private BoundedHttpServer(ServerSocket listener, Function<Request, Response> handler) {
        this.listener = listener;
        this.handler = handler;
        this.acceptor = Thread.ofVirtual().name("corridor-http-accept").unstarted(this::acceptLoop);
    }

    static BoundedHttpServer start(InetSocketAddress address, Function<Request, Response> handler) throws IOException {
        ServerSocket listener = new ServerSocket();
        try {
            listener.bind(address, BACKLOG);
        } catch (IOException e) {
            listener.close();
            throw e;
        }
        BoundedHttpServer server = new BoundedHttpServer(listener, handler);
        server.acceptor.start();
        return server;
    }

    InetSocketAddress address() {
        return (InetSocketAddress) listener.getLocalSocketAddress();
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            Socket socket;
            try {
                listener.setSoTimeout(closeExpired());
                socket = listener.accept();
            } catch (SocketTimeoutException e) {
                continue;
            } catch (IOException e) {
                if (!listener.isClosed()) {
                    // e.g. out of file descriptors: the next accept would fail at once too
                    LOG.log(Level.WARNING, "cannot accept HTTP connections: {0}", e.getMessage());
                    pause();
                }
                continue;
            }
            admit(socket);
        }
    }

    private void admit(Socket socket) {
        Connection connection = new Connection(socket, System.nanoTime() + HEAD_TIMEOUT.toNanos());
        Connection evicted = null;
        synchronized (connections) {
            if (listener.isClosed()) {
                evicted = connection;
            } else {
                if (connections.size() >= MAX_CONNECTIONS) {
                    evicted = slowest();
                    connections.remove(evicted);
                }
                connections.add(connection);
            }
        }
        if (evicted != null) {
            evicted.close();
        }
        if (evicted != connection) {
            Thread.ofVirtual().name("corridor-http").start(() -> serve(connection));
        }
    }

    /**
     * The connection to close to make room: one of the address with the most connections (an attacker's rather than
     * the kubelet's), still waiting for its head if any is, the oldest of those: it had the most time.
     */
    private Connection slowest() {
        Map<InetAddress, Integer> perAddress = new HashMap<>();
        connections.forEach(c -> perAddress.merge(c.remote, 1, Integer::sum));
        Comparator<Connection> order = Comparator.<Connection>comparingInt(c -> -perAddress.get(c.remote))
                .thenComparing(c -> c.headRead);
        return connections.stream().min(order).orElseThrow(); // of equals, the first: the oldest
    }

    /** Closes the connections past their deadline; returns the milliseconds to the next deadline, 0 for none. */
    private int closeExpired() {
        long now = System.nanoTime();
        long next = Long.MAX_VALUE;
        List<Connection> expired = new ArrayList<>();
        synchronized (connections) {
            for (Iterator<Connection> it = connections.iterator(); it.hasNext(); ) {
                Connection connection = it.next();
                long left = connection.deadline - now;
                if (left <= 0) {
                    it.remove();
                    expired.add(connection);
                } else {
                    next = Math.min(next, left);
                }
            }
        }
        expired.forEach(Connection::close);
        return next == Long.MAX_VALUE ? 0 : (int) Duration.ofNanos(next).toMillis() + 1;
    }

    private void serve(Connection connection) {
        try (Socket socket = connection.socket) {
            if (!connection.readHead()) {
                return;
            }
            byte[] answer;
            if (connection.headRead) {
                connection.deadline = System.nanoTime() + RESPONSE_TIMEOUT.toNanos();
                answer =
                        answer(new String(connection.head, 0, connection.end, StandardCharsets.ISO_8859_1), connection);
            } else {
                answer = Response.text(431, "the request head is larger than " + MAX_HEAD_BYTES + " bytes\n")
                        .encode(true);
            }
            socket.getOutputStream().write(answer);
        } catch (IOException e) {
            // the peer left, or the connection was closed for its deadline or to make room: nothing to answer
        } finally {
            synchronized (connections) {
                connections.remove(connection);
            }
        }
    }

    private byte[] answer(String head, Connection connection) {
        Request request;
        try {
            request = Request.parse(head, connection.remote);
        } catch (Request.MalformedRequestException e) {
            return Response.text(400, e.getMessage() + "\n").encode(true);
        }
        Response response;
        try {
            response = handler.apply(request);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "answering " + request.method() + " " + request.path() + " failed", e);
            response = Response.text(500, "internal error; the sidecar's log has the details\n");
        }
        return response.encode(!request.method().equals("HEAD"));
    }

    private static void pause() {
        try {
            Thread.sleep(ACCEPT_FAILURE_PAUSE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "closing the HTTP listener: {0}", e.getMessage());
        }
        List<Connection> open;
        synchronized (connections) {
            open = List.copyOf(connections);
            connections.clear();
        }
        open.forEach(Connection::close);
        try {
            acceptor.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static final class Connection {
        final Socket socket;
        final InetAddress remote;
        /** Grown to {@link #MAX_HEAD_BYTES} only for a head that needs it: most are a few hundred bytes. */
        byte[] head = new byte[1024];

        int length;
        /** Where the head ends in {@link #head}, once it has. */
        int end = -1;

        volatile long deadline;
        /** The whole head is in: closed to make room only after those still waiting for theirs. */
        volatile boolean headRead;

        Connection(Socket socket, long deadline) {
            this.socket = socket;
            this.remote = socket.getInetAddress();
            this.deadline = deadline;
        }

        /** Reads until the head is in or fills {@link #MAX_HEAD_BYTES}; false if the peer closed first. */
        boolean readHead() throws IOException {
            InputStream in = socket.getInputStream();
            while (!headRead && length < MAX_HEAD_BYTES) {
                if (length == head.length) {
                    head = Arrays.copyOf(head, MAX_HEAD_BYTES);
                }
                int read = in.read(head, length, head.length - length);
                if (read < 0) {
                    return false;
                }
                appended(read);
            }
            return true;
        }

        private void appended(int read) {
            int from = Math.max(0, length - 2);
            length += read;
            end = Request.endOfHead(head, from, length);
            headRead = end >= 0;
        }

        /** Closing wakes the connection's thread if it is blocked reading or writing. */
        void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // closed either way
            }
        }
    }
}
