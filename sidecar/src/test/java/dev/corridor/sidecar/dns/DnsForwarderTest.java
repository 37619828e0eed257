package dev.corridor.sidecar.dns;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corridor.sidecar.net.IpNetwork;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/**
 * The forwarder between two DNS servers in this JVM on loopback addresses: a corporate one (standing behind the
 * tunnel) and the cluster's. Which one is asked, and what the client gets, is observed on both ends.
 */
class DnsForwarderTest {
    private static final InetAddress CORPORATE = InetAddress.ofLiteral("127.0.0.21");
    private static final InetAddress CLUSTER = InetAddress.ofLiteral("127.0.0.22");
    private static final String CORP_DOMAIN = "corp.test";

    private FakeDnsServer corporate;
    private FakeDnsServer cluster;
    private DnsForwarder forwarder;
    private final AtomicReference<CorporateDns> session = new AtomicReference<>();
    private final List<String> answered = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        corporate = new FakeDnsServer(CORPORATE)
                .a("db.corp.test", "10.20.1.10")
                .txt("big.corp.test", List.of("x".repeat(250), "y".repeat(250), "z".repeat(250)));
        cluster = new FakeDnsServer(CLUSTER).a("kubernetes.default.svc.cluster.local", "10.96.0.1");
        session.set(new CorporateDns(
                new DnsRoutes(List.of(CORP_DOMAIN), List.of(IpNetwork.parse("10.20.0.0/16")), "cluster.local", false),
                List.of(corporate.address()),
                true,
                1));
        // The fake servers listen on an unprivileged port; the forwarder asks them there.
        forwarder = DnsForwarder.start(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                List.of(cluster.address()),
                session::get,
                new DnsObserver() {
                    @Override
                    public void answered(DnsRoutes.Route route, String rcode, Duration took) {
                        answered.add(route.label() + " " + rcode);
                    }

                    @Override
                    public void cacheHit() {
                        answered.add("cache");
                    }
                });
    }

    @AfterEach
    void stop() throws Exception {
        forwarder.close();
        corporate.close();
        cluster.close();
    }

    @Test
    void corporateNamesGoToTheCorporateServerAndOthersToTheCluster() throws Exception {
        assertThat(address(udp(query("db.corp.test", Type.A)))).isEqualTo("10.20.1.10");
        assertThat(address(udp(query("kubernetes.default.svc.cluster.local", Type.A))))
                .isEqualTo("10.96.0.1");
        assertThat(udp(query("www.example.com", Type.A)).getRcode()).isEqualTo(Rcode.NXDOMAIN);
        assertThat(corporate.names()).containsExactly("db.corp.test");
        assertThat(cluster.names()).containsExactly("kubernetes.default.svc.cluster.local", "www.example.com");
    }

    @Test
    void whileTheSessionIsDownCorporateNamesFailAtOnceAndGoNowhere() throws Exception {
        CorporateDns up = session.get();
        session.set(new CorporateDns(up.routes(), up.servers(), false, up.session()));
        long started = System.nanoTime();
        assertThat(udp(query("db.corp.test", Type.A)).getRcode()).isEqualTo(Rcode.SERVFAIL);
        assertThat(Duration.ofNanos(System.nanoTime() - started))
                .as("no waiting on a server")
                .isLessThan(Duration.ofSeconds(1));
        assertThat(corporate.queries).isEmpty();
        assertThat(cluster.queries)
                .as("a corporate name never goes to the cluster")
                .isEmpty();
    }

    @Test
    void queriesGoOutUnderARandomIdAndTheAnswerComesBackUnderTheClients() throws Exception {
        Message query = query("db.corp.test", Type.A);
        query.getHeader().setID(4242);
        Message answer = udp(query);
        assertThat(answer.getHeader().getID()).isEqualTo(4242);
        udp(query("kubernetes.default.svc.cluster.local", Type.A));
        Message again = query("kubernetes.default.svc.cluster.local", Type.AAAA);
        again.getHeader().setID(4242);
        udp(again);
        assertThat(corporate.queries.getFirst().message().getHeader().getID())
                .as("the id upstream")
                .isNotEqualTo(4242);
        assertThat(cluster.queries.get(1).message().getHeader().getID())
                .isNotEqualTo(cluster.queries.get(0).message().getHeader().getID());
    }

    @Test
    void aForgedAnswerUnderAnotherIdIsIgnored() throws Exception {
        corporate.spoofFirst = true;
        assertThat(address(udp(query("db.corp.test", Type.A)))).isEqualTo("10.20.1.10");
    }

    /** The client's EDNS0 goes to the server, which may then answer over UDP up to its size, and the answer arrives whole. */
    @Test
    void edns0TravelsAndALargeAnswerComesWholeOverUdp() throws Exception {
        Message query = query("big.corp.test", Type.TXT);
        query.addRecord(new OPTRecord(4096, 0, 0, 0), Section.ADDITIONAL);
        Message answer = udp(query);
        assertThat(((TXTRecord) answer.getSection(Section.ANSWER).getFirst()).getStrings())
                .hasSize(3);
        assertThat(corporate.queries.getFirst().message().getOPT())
                .as("the client's EDNS0, passed on")
                .isNotNull();
        assertThat(corporate.queries).extracting(FakeDnsServer.Query::overTcp).containsExactly(false);
    }

    @Test
    void anAnswerLargerThanTheClientsEdns0SizeIsFetchedOverTcp() throws Exception {
        Message query = query("big.corp.test", Type.TXT);
        query.addRecord(new OPTRecord(600, 0, 0, 0), Section.ADDITIONAL);
        Message answer = udp(query);
        assertThat(answer.getHeader().getFlag(Flags.TC))
                .as("too large for 600 bytes: truncated for the client")
                .isTrue();
        assertThat(corporate.queries)
                .extracting(FakeDnsServer.Query::overTcp)
                .as("the server truncated it too: asked again over TCP")
                .containsExactly(false, true);
    }

    @Test
    void anAnswerTooLargeForTheClientComesBackTruncatedAndWholeOverTcp() throws Exception {
        Message overUdp = udp(query("big.corp.test", Type.TXT));
        assertThat(overUdp.getHeader().getFlag(Flags.TC))
                .as("the client said nothing of a larger buffer: 512 bytes")
                .isTrue();
        Message overTcp = tcp(query("big.corp.test", Type.TXT));
        assertThat(overTcp.getHeader().getFlag(Flags.TC)).isFalse();
        assertThat(((TXTRecord) overTcp.getSection(Section.ANSWER).getFirst()).getStrings())
                .hasSize(3);
    }

    @Test
    void answersAreCachedAndANewSessionFlushesThem() throws Exception {
        udp(query("db.corp.test", Type.A));
        udp(query("db.corp.test", Type.A));
        assertThat(corporate.queries).hasSize(1);
        assertThat(answered).contains("cache");
        CorporateDns up = session.get();
        session.set(new CorporateDns(up.routes(), up.servers(), true, up.session() + 1));
        udp(query("db.corp.test", Type.A));
        assertThat(corporate.queries).as("another session: asked again").hasSize(2);
    }

    @Test
    void somethingThatIsNoQueryIsRefused() throws Exception {
        Message notAQuery = query("db.corp.test", Type.A);
        notAQuery.getHeader().setFlag(Flags.QR);
        assertThat(udp(notAQuery).getRcode()).isEqualTo(Rcode.FORMERR);
        assertThat(corporate.queries).isEmpty();
    }

    private Message udp(Message query) throws Exception {
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.setSoTimeout(5000);
            byte[] wire = query.toWire();
            socket.send(new DatagramPacket(wire, wire.length, forwarder.address()));
            DatagramPacket packet = new DatagramPacket(new byte[65535], 65535);
            socket.receive(packet);
            return new Message(java.util.Arrays.copyOf(packet.getData(), packet.getLength()));
        }
    }

    private Message tcp(Message query) throws Exception {
        try (Socket socket =
                new Socket(forwarder.address().getAddress(), forwarder.address().getPort())) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            byte[] wire = query.toWire();
            out.write(new byte[] {(byte) (wire.length >> 8), (byte) wire.length});
            out.write(wire);
            InputStream in = socket.getInputStream();
            byte[] length = in.readNBytes(2);
            return new Message(in.readNBytes((length[0] & 0xff) << 8 | (length[1] & 0xff)));
        }
    }

    private static Message query(String name, int type) throws Exception {
        Message query = Message.newQuery(Record.newRecord(Name.fromString(name, Name.root), type, DClass.IN));
        return query;
    }

    private static String address(Message answer) {
        return ((ARecord) answer.getSection(Section.ANSWER).getFirst())
                .getAddress()
                .getHostAddress();
    }
}
