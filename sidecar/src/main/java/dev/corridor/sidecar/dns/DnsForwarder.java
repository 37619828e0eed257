package dev.corridor.sidecar.dns;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;

/**
 * The pod's DNS forwarder: corporate names go to the gateway's DNS servers through the tunnel, everything else to the
 * cluster's resolver ({@link DnsRoutes}). Queries are forwarded as they came (EDNS0 and all), under a random id from a
 * random port, and the answer must match the question; a truncated answer over UDP is fetched again over TCP. Answers
 * are cached ({@link DnsCache}). While the session is down, corporate names get SERVFAIL at once: they are never sent
 * elsewhere. It serves only its listen address (a pod's loopback): never an open resolver.
 *
 * <p>Threads: one virtual thread receives UDP queries, one accepts TCP connections; each query and each TCP
 * connection gets a virtual thread of its own, within bounds, so a flood cannot take the sidecar's memory.
 */
public final class DnsForwarder implements AutoCloseable {
    private static final Logger LOG = System.getLogger(DnsForwarder.class.getName());
    /** Queries in flight at once; beyond, new ones are answered SERVFAIL without being forwarded. */
    static final int MAX_IN_FLIGHT = 256;

    static final int MAX_TCP_CONNECTIONS = 64;
    /** How long one server gets to answer before the next is asked. */
    static final Duration SERVER_TIMEOUT = Duration.ofSeconds(2);
    /** A TCP client that sends nothing for this long is closed (RFC 7766 suggests seconds). */
    static final Duration TCP_IDLE = Duration.ofSeconds(10);

    static final int CACHE_ENTRIES = 1024;
    /** The largest answer a client may take over UDP without saying more in EDNS0 (RFC 1035). */
    private static final int CLASSIC_UDP_SIZE = 512;

    private final DatagramChannel udp;
    private final ServerSocketChannel tcp;
    private final List<InetSocketAddress> upstream;
    private final Supplier<CorporateDns> corporate;
    private final DnsObserver observer;
    private final DnsCache cache = new DnsCache(CACHE_ENTRIES);
    private final SecureRandom random = new SecureRandom();
    private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
    private final Semaphore tcpConnections = new Semaphore(MAX_TCP_CONNECTIONS);
    private final ExecutorService threads = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("dns-", 0).factory());
    private volatile long cachedSession = Long.MIN_VALUE;
    private volatile boolean closed;

    private DnsForwarder(
            DatagramChannel udp,
            ServerSocketChannel tcp,
            List<InetSocketAddress> upstream,
            Supplier<CorporateDns> corporate,
            DnsObserver observer) {
        this.udp = udp;
        this.tcp = tcp;
        this.upstream = List.copyOf(upstream);
        this.corporate = corporate;
        this.observer = observer;
    }

    /**
     * Serves DNS over UDP and TCP on {@code listen}.
     *
     * @param upstream  the cluster's resolvers, for every name that is not corporate
     * @param corporate the current session's corporate DNS, asked at each query
     */
    public static DnsForwarder start(
            InetSocketAddress listen,
            List<InetSocketAddress> upstream,
            Supplier<CorporateDns> corporate,
            DnsObserver observer)
            throws IOException {
        DatagramChannel udp = DatagramChannel.open().bind(listen);
        ServerSocketChannel tcp;
        try {
            tcp = ServerSocketChannel.open()
                    .bind(
                            new InetSocketAddress(
                                    listen.getAddress(), ((InetSocketAddress) udp.getLocalAddress()).getPort()),
                            64);
        } catch (IOException e) {
            udp.close();
            throw e;
        }
        DnsForwarder forwarder = new DnsForwarder(udp, tcp, upstream, corporate, observer);
        forwarder.threads.submit(forwarder::serveUdp);
        forwarder.threads.submit(forwarder::serveTcp);
        return forwarder;
    }

    /** Where it listens (UDP and TCP on the same port). */
    public InetSocketAddress address() throws IOException {
        return (InetSocketAddress) udp.getLocalAddress();
    }

    @Override
    public void close() {
        closed = true;
        try {
            udp.close();
            tcp.close();
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "closing the DNS listeners: {0}", e.getMessage());
        }
        threads.shutdownNow();
    }

    private void serveUdp() {
        ByteBuffer buffer = ByteBuffer.allocate(Message.MAXLENGTH);
        while (!closed) {
            try {
                buffer.clear();
                InetSocketAddress client = (InetSocketAddress) udp.receive(buffer);
                byte[] query = new byte[buffer.flip().remaining()];
                buffer.get(query);
                if (!inFlight.tryAcquire()) {
                    reply(client, failure(query, Rcode.SERVFAIL));
                    continue;
                }
                threads.submit(() -> {
                    try {
                        answer(query, true).ifPresent(response -> reply(client, response));
                    } finally {
                        inFlight.release();
                    }
                });
            } catch (IOException e) {
                if (!closed) {
                    LOG.log(Level.WARNING, "the DNS forwarder's UDP listener failed: {0}", e.getMessage());
                }
                return;
            }
        }
    }

    private void reply(InetSocketAddress client, byte[] response) {
        if (response.length == 0) {
            return;
        }
        try {
            udp.send(ByteBuffer.wrap(response), client);
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "answering {0}: {1}", client, e.getMessage());
        }
    }

    private void serveTcp() {
        while (!closed) {
            try {
                SocketChannel client = tcp.accept();
                if (!tcpConnections.tryAcquire()) {
                    client.close();
                    continue;
                }
                threads.submit(() -> {
                    try (client) {
                        client.socket().setSoTimeout((int) TCP_IDLE.toMillis());
                        serveConnection(client);
                    } catch (IOException e) {
                        LOG.log(Level.DEBUG, "a DNS client over TCP: {0}", e.getMessage());
                    } finally {
                        tcpConnections.release();
                    }
                });
            } catch (IOException e) {
                if (!closed) {
                    LOG.log(Level.WARNING, "the DNS forwarder's TCP listener failed: {0}", e.getMessage());
                }
                return;
            }
        }
    }

    /** Length-prefixed messages, one answer each, until the client stops (RFC 7766). */
    private void serveConnection(SocketChannel client) throws IOException {
        InputStream in = client.socket().getInputStream();
        OutputStream out = client.socket().getOutputStream();
        while (true) {
            Optional<byte[]> framed = readFramed(in);
            if (framed.isEmpty()) {
                return;
            }
            byte[] query = framed.get();
            if (!inFlight.tryAcquire()) {
                writeFramed(out, failure(query, Rcode.SERVFAIL));
                continue;
            }
            try {
                Optional<byte[]> response = answer(query, false);
                if (response.isPresent()) {
                    writeFramed(out, response.get());
                }
            } finally {
                inFlight.release();
            }
        }
    }

    /** One length-prefixed message; empty when the peer closed before its length. */
    private static Optional<byte[]> readFramed(InputStream in) throws IOException {
        byte[] length = in.readNBytes(2);
        if (length.length < 2) {
            return Optional.empty();
        }
        return Optional.of(in.readNBytes((length[0] & 0xff) << 8 | (length[1] & 0xff)));
    }

    private static void writeFramed(OutputStream out, byte[] message) throws IOException {
        if (message.length == 0) {
            return;
        }
        out.write(new byte[] {(byte) (message.length >> 8), (byte) message.length});
        out.write(message);
        out.flush();
    }

    /**
     * The answer to a query from inside the process (the egress listeners' names), routed, cached and counted as a
     * pod's query is; empty for something that is not a DNS message at all.
     */
    public Optional<byte[]> answer(byte[] query) {
        return answer(query, false);
    }

    /**
     * The answer to one query, with the client's id; empty for something that is not a DNS message at all.
     *
     * @param overUdp the client asked over UDP: an answer larger than it can take goes back truncated
     */
    Optional<byte[]> answer(byte[] query, boolean overUdp) {
        long started = System.nanoTime();
        Message question;
        try {
            question = new Message(query);
        } catch (IOException e) {
            return query.length >= 12 ? Optional.of(failure(query, Rcode.FORMERR)) : Optional.empty();
        }
        Record asked = question.getQuestion();
        if (question.getHeader().getFlag(Flags.QR) || asked == null) {
            return Optional.of(failure(query, Rcode.FORMERR));
        }
        if (question.getHeader().getOpcode() != Opcode.QUERY) {
            return Optional.of(failure(query, Rcode.NOTIMP));
        }
        CorporateDns corp = corporate.get();
        if (corp.session() != cachedSession) {
            cache.flush(); // another session: its servers may answer otherwise
            cachedSession = corp.session();
        }
        DnsRoutes.Route route = corp.routes().route(asked.getName().toString());
        List<InetSocketAddress> servers =
                route == DnsRoutes.Route.TUNNEL ? (corp.up() ? corp.servers() : List.of()) : upstream;
        if (servers.isEmpty()) {
            observer.answered(route, "SERVFAIL", Duration.ofNanos(System.nanoTime() - started));
            return Optional.of(failure(query, Rcode.SERVFAIL));
        }
        OPTRecord opt = question.getOPT();
        DnsCache.Key key = new DnsCache.Key(
                route.label(),
                DnsRoutes.normalize(asked.getName().toString()),
                asked.getType(),
                asked.getDClass(),
                opt != null && (opt.getFlags() & ExtendedFlags.DO) != 0,
                question.getHeader().getFlag(Flags.CD));
        Optional<Message> cached = cache.get(key, System.nanoTime());
        Message response;
        if (cached.isPresent()) {
            observer.cacheHit();
            response = cached.get();
        } else {
            Optional<Message> fetched = forward(query, question, servers);
            if (fetched.isEmpty()) {
                observer.answered(route, "SERVFAIL", Duration.ofNanos(System.nanoTime() - started));
                return Optional.of(failure(query, Rcode.SERVFAIL));
            }
            response = fetched.get();
            cache.put(key, response, System.nanoTime());
        }
        response = response.clone();
        response.getHeader().setID(question.getHeader().getID());
        byte[] wire = response.toWire();
        int limit = opt == null ? CLASSIC_UDP_SIZE : Math.max(CLASSIC_UDP_SIZE, opt.getPayloadSize());
        if (overUdp && wire.length > limit) {
            wire = truncated(question, response);
        }
        observer.answered(route, Rcode.string(response.getRcode()), Duration.ofNanos(System.nanoTime() - started));
        return Optional.of(wire);
    }

    /** Asks the servers in turn, over UDP and, for a truncated answer, over TCP; empty when none answers. */
    private Optional<Message> forward(byte[] query, Message question, List<InetSocketAddress> servers) {
        for (InetSocketAddress server : servers) {
            int id = random.nextInt(1 << 16);
            byte[] outgoing = query.clone();
            outgoing[0] = (byte) (id >> 8);
            outgoing[1] = (byte) id;
            try {
                Message answer = overUdp(outgoing, id, question, server);
                if (answer.getHeader().getFlag(Flags.TC)) {
                    answer = overTcp(outgoing, server);
                    if (answer.getHeader().getID() != id || !sameQuestion(question, answer)) {
                        throw new IOException("the answer over TCP is for another question");
                    }
                }
                return Optional.of(answer);
            } catch (IOException e) {
                LOG.log(Level.DEBUG, "the DNS server {0} did not answer: {1}", server, e.getMessage());
            }
        }
        return Optional.empty();
    }

    /**
     * From a fresh socket (the kernel picks a random port for each query), the server's answer: the first datagram
     * under the query's id that answers its question. Others (a forger's guesses) are ignored while the wait lasts.
     */
    private Message overUdp(byte[] query, int id, Message question, InetSocketAddress server) throws IOException {
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.connect(server);
            socket.send(new DatagramPacket(query, query.length));
            // As large as the client said it can take, no larger: 64 KiB per query in flight would fill a small heap.
            OPTRecord opt = question.getOPT();
            byte[] buffer = new byte
                    [opt == null
                            ? CLASSIC_UDP_SIZE
                            : Math.clamp(opt.getPayloadSize(), CLASSIC_UDP_SIZE, Message.MAXLENGTH)];
            long deadline = System.nanoTime() + SERVER_TIMEOUT.toNanos();
            while (true) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    throw new SocketTimeoutException("no answer within " + SERVER_TIMEOUT.toMillis() + " ms");
                }
                socket.setSoTimeout((int) left);
                DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                socket.receive(packet);
                try {
                    Message answer = new Message(Arrays.copyOf(packet.getData(), packet.getLength()));
                    if (answer.getHeader().getID() == id
                            && answer.getHeader().getFlag(Flags.QR)
                            && sameQuestion(question, answer)) {
                        return answer;
                    }
                } catch (IOException e) {
                    // not a DNS message
                }
                LOG.log(Level.DEBUG, "a datagram from {0} that answers no question of ours; ignored", server);
            }
        }
    }

    private Message overTcp(byte[] query, InetSocketAddress server) throws IOException {
        try (SocketChannel channel = SocketChannel.open()) {
            channel.socket().connect(server, (int) SERVER_TIMEOUT.toMillis());
            channel.socket().setSoTimeout((int) SERVER_TIMEOUT.toMillis());
            writeFramed(channel.socket().getOutputStream(), query);
            return new Message(readFramed(channel.socket().getInputStream())
                    .orElseThrow(() -> new EOFException("the server closed the TCP connection without an answer")));
        }
    }

    private static boolean sameQuestion(Message question, Message answer) {
        Record asked = question.getQuestion();
        Record echoed = answer.getQuestion();
        return echoed != null
                && echoed.getName().equals(asked.getName())
                && echoed.getType() == asked.getType()
                && echoed.getDClass() == asked.getDClass();
    }

    /** Header and question, TC set: the client asks again over TCP (RFC 7766). */
    private static byte[] truncated(Message question, Message response) {
        Message cut = new Message(question.getHeader().getID());
        cut.getHeader().setFlag(Flags.QR);
        cut.getHeader().setFlag(Flags.TC);
        if (question.getHeader().getFlag(Flags.RD)) {
            cut.getHeader().setFlag(Flags.RD);
        }
        if (response.getHeader().getFlag(Flags.RA)) {
            cut.getHeader().setFlag(Flags.RA);
        }
        cut.getHeader().setRcode(response.getRcode());
        cut.addRecord(question.getQuestion(), Section.QUESTION);
        return cut.toWire();
    }

    /** An error answer to a query: its id and question, the code; nothing if not even a header came. */
    static byte[] failure(byte[] query, int rcode) {
        if (query.length < 12) {
            return new byte[0];
        }
        try {
            Message question = new Message(query);
            Message answer = new Message(question.getHeader().getID());
            answer.getHeader().setFlag(Flags.QR);
            if (question.getHeader().getFlag(Flags.RD)) {
                answer.getHeader().setFlag(Flags.RD);
            }
            answer.getHeader().setFlag(Flags.RA);
            answer.getHeader().setRcode(rcode);
            if (question.getQuestion() != null) {
                answer.addRecord(question.getQuestion(), Section.QUESTION);
            }
            return answer.toWire();
        } catch (IOException e) {
            // Unparseable beyond the header: echo the id alone.
            byte[] header = new byte[12];
            header[0] = query[0];
            header[1] = query[1];
            header[2] = (byte) 0x80;
            header[3] = (byte) rcode;
            return header;
        }
    }
}
