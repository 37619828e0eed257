package dev.corridor.sidecar.http;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Misbehaving clients. One platform thread feeds every connection with non-blocking writes, so each connection counts
 * exactly the bytes its socket accepted (once the server stops reading, the writes stop being accepted), and sees
 * within a tick that the server closed it. A closed connection is replaced by a new one, as an attacker would.
 */
final class Attack {
    private static final Duration TICK = Duration.ofMillis(10);
    /** Small, so that what the attacker's own socket holds back is small next to what the server would take. */
    private static final int SEND_BUFFER_BYTES = 8 * 1024;
    /** Opened per tick at most: enough to keep the server full, not a connection flood on a two-core machine. */
    private static final int OPENED_PER_TICK = 8;

    /** What each connection sends: {@code opening} at once, then {@code drip} every {@code every} (if not empty). */
    record Behaviour(String opening, byte[] drip, Duration every) {
        static Behaviour silent() {
            return new Behaviour("", new byte[0], Duration.ZERO);
        }
    }

    /** Where attackers connect from unless told otherwise: not the kubelet's address (127.0.0.1 in these tests). */
    static final InetAddress ELSEWHERE = InetAddress.ofLiteral("127.0.0.2");

    private final InetSocketAddress server;
    private final InetAddress source;
    private final int size;
    private final Behaviour behaviour;
    private final List<Connection> open = new ArrayList<>();
    private final List<Connection> closed = new ArrayList<>();
    private final ByteBuffer readBuffer = ByteBuffer.allocate(4096);
    private final Thread driver;
    private volatile boolean running = true;
    private long stoppedAt;

    private Attack(InetSocketAddress server, InetAddress source, int size, Behaviour behaviour) {
        this.server = server;
        this.source = source;
        this.size = size;
        this.behaviour = behaviour;
        this.driver = Thread.ofPlatform().daemon().name("test-attack").unstarted(this::drive);
    }

    /** Keeps {@code size} connections open with this behaviour, from {@link #ELSEWHERE}. */
    static Attack start(InetSocketAddress server, int size, Behaviour behaviour) {
        return start(server, ELSEWHERE, size, behaviour);
    }

    static Attack start(InetSocketAddress server, InetAddress source, int size, Behaviour behaviour) {
        Attack attack = new Attack(server, source, size, behaviour);
        attack.driver.start();
        return attack;
    }

    private void drive() {
        while (running) {
            long now = System.nanoTime();
            for (int i = 0; i < OPENED_PER_TICK && open.size() < size; i++) {
                open.add(connect(now));
            }
            for (Iterator<Connection> it = open.iterator(); it.hasNext(); ) {
                Connection connection = it.next();
                if (!connection.feed(now, behaviour) || !connection.drain(readBuffer)) {
                    connection.end(now);
                    it.remove();
                    closed.add(connection);
                }
            }
            try {
                Thread.sleep(TICK);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private Connection connect(long now) {
        try {
            SocketChannel channel = SocketChannel.open();
            channel.setOption(StandardSocketOptions.SO_SNDBUF, SEND_BUFFER_BYTES);
            channel.bind(new InetSocketAddress(source, 0));
            channel.connect(server);
            channel.configureBlocking(false);
            return new Connection(channel, now, behaviour.opening());
        } catch (IOException e) {
            throw new UncheckedIOException("the attack cannot connect to " + server, e);
        }
    }

    /** Stops feeding and replacing connections; the ones still open stay open. */
    void stop() {
        running = false;
        try {
            driver.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stoppedAt = System.nanoTime();
    }

    /** Every connection the attack opened; call after {@link #stop()}. */
    List<Connection> connections() {
        List<Connection> all = new ArrayList<>(closed);
        all.addAll(open);
        return all;
    }

    /** The connections the server still holds open after {@code settle} (it may close them meanwhile); closes them. */
    int stillOpenAfter(Duration settle) throws InterruptedException {
        long until = System.nanoTime() + settle.toNanos();
        while (System.nanoTime() < until) {
            open.removeIf(connection -> {
                boolean ended = !connection.drain(readBuffer);
                if (ended) {
                    connection.end(System.nanoTime());
                    closed.add(connection);
                }
                return ended;
            });
            Thread.sleep(TICK);
        }
        int stillOpen = open.size();
        open.forEach(Connection::abandon);
        return stillOpen;
    }

    final class Connection {
        private final SocketChannel channel;
        private final long openedAt;
        private final StringBuilder answer = new StringBuilder();
        private long closedAt;
        private long accepted;
        private ByteBuffer pending;
        private long nextDrip;

        private Connection(SocketChannel channel, long openedAt, String opening) {
            this.channel = channel;
            this.openedAt = openedAt;
            this.pending = ByteBuffer.wrap(opening.getBytes(StandardCharsets.ISO_8859_1));
            this.nextDrip = openedAt;
        }

        /** Bytes the attacker's socket accepted: what the server read, plus what the two sockets' buffers hold. */
        long accepted() {
            return accepted;
        }

        /** From connecting until the server closed it (or until the attack stopped, if it did not). */
        Duration lifetime() {
            return Duration.ofNanos((closedAt != 0 ? closedAt : stoppedAt) - openedAt);
        }

        boolean closedByServer() {
            return closedAt != 0;
        }

        /** The start of what the server sent. */
        String answer() {
            return answer.toString();
        }

        /** Writes what is due; false when the server closed or reset the connection. */
        private boolean feed(long now, Behaviour behaviour) {
            try {
                if (!pending.hasRemaining() && behaviour.drip().length > 0 && now >= nextDrip) {
                    pending = ByteBuffer.wrap(behaviour.drip());
                    nextDrip = now + behaviour.every().toNanos();
                }
                accepted += channel.write(pending);
                return true;
            } catch (IOException e) {
                return false;
            }
        }

        /** Reads what the server sent; false when the server closed or reset the connection. */
        private boolean drain(ByteBuffer buffer) {
            try {
                int read;
                while ((read = channel.read(buffer.clear())) > 0) {
                    if (answer.length() < 200) {
                        answer.append(new String(buffer.array(), 0, read, StandardCharsets.ISO_8859_1));
                    }
                }
                return read == 0;
            } catch (IOException e) {
                return false;
            }
        }

        private void end(long now) {
            closedAt = now;
            abandon();
        }

        private void abandon() {
            try {
                channel.close();
            } catch (IOException e) {
                // closed either way
            }
        }
    }
}
