package dev.corridor.sidecar.dns;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/**
 * A DNS server on a loopback address, in the test's JVM: answers A and TXT questions from its table (NXDOMAIN
 * otherwise), over UDP and TCP, truncating UDP answers larger than the client can take (512 bytes, or its EDNS0 size) as a real server does, and remembers
 * every query it was asked.
 */
final class FakeDnsServer implements AutoCloseable {
    record Query(Message message, boolean overTcp) {}

    private final DatagramSocket udp;
    private final ServerSocket tcp;
    private final Map<String, String> addresses = new ConcurrentHashMap<>();
    private final Map<String, List<String>> texts = new ConcurrentHashMap<>();
    final List<Query> queries = new CopyOnWriteArrayList<>();
    /** Answer each UDP query first with a datagram under another id, as an off-path spoofer would try. */
    volatile boolean spoofFirst;

    FakeDnsServer(InetAddress address) throws IOException {
        udp = new DatagramSocket(new InetSocketAddress(address, 0));
        tcp = new ServerSocket(udp.getLocalPort(), 8, address);
        Thread.ofPlatform().daemon().start(this::serveUdp);
        Thread.ofPlatform().daemon().start(this::serveTcp);
    }

    InetSocketAddress address() {
        return (InetSocketAddress) udp.getLocalSocketAddress();
    }

    FakeDnsServer a(String name, String address) {
        addresses.put(name, address);
        return this;
    }

    FakeDnsServer txt(String name, List<String> strings) {
        texts.put(name, strings);
        return this;
    }

    private void serveUdp() {
        byte[] buffer = new byte[65535];
        while (!udp.isClosed()) {
            try {
                DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                udp.receive(packet);
                Message query = new Message(java.util.Arrays.copyOf(packet.getData(), packet.getLength()));
                queries.add(new Query(query, false));
                byte[] answer = answer(query).toWire();
                if (answer.length
                        > (query.getOPT() == null
                                ? 512
                                : Math.max(512, query.getOPT().getPayloadSize()))) {
                    Message cut = answer(query);
                    cut.removeAllRecords(Section.ANSWER);
                    cut.getHeader().setFlag(Flags.TC);
                    answer = cut.toWire();
                }
                if (spoofFirst) {
                    Message spoof = answer(query);
                    spoof.getHeader().setID((query.getHeader().getID() + 1) & 0xffff);
                    spoof.removeAllRecords(Section.ANSWER);
                    spoof.addRecord(
                            new ARecord(
                                    query.getQuestion().getName(), DClass.IN, 3600, InetAddress.ofLiteral("6.6.6.6")),
                            Section.ANSWER);
                    byte[] forged = spoof.toWire();
                    udp.send(new DatagramPacket(forged, forged.length, packet.getSocketAddress()));
                }
                udp.send(new DatagramPacket(answer, answer.length, packet.getSocketAddress()));
            } catch (IOException e) {
                // closed, or a datagram that is no DNS message
            }
        }
    }

    private void serveTcp() {
        while (!tcp.isClosed()) {
            try (Socket client = tcp.accept();
                    InputStream in = client.getInputStream();
                    OutputStream out = client.getOutputStream()) {
                byte[] length = in.readNBytes(2);
                Message query = new Message(in.readNBytes((length[0] & 0xff) << 8 | (length[1] & 0xff)));
                queries.add(new Query(query, true));
                byte[] answer = answer(query).toWire();
                out.write(new byte[] {(byte) (answer.length >> 8), (byte) answer.length});
                out.write(answer);
            } catch (IOException e) {
                // closed
            }
        }
    }

    private Message answer(Message query) throws IOException {
        Message answer = new Message(query.getHeader().getID());
        answer.getHeader().setFlag(Flags.QR);
        answer.getHeader().setFlag(Flags.AA);
        Record question = query.getQuestion();
        answer.addRecord(question, Section.QUESTION);
        String name = question.getName().toString(true).toLowerCase(Locale.ROOT);
        if (question.getType() == Type.A && addresses.containsKey(name)) {
            answer.addRecord(
                    new ARecord(question.getName(), DClass.IN, 300, InetAddress.ofLiteral(addresses.get(name))),
                    Section.ANSWER);
        } else if (question.getType() == Type.TXT && texts.containsKey(name)) {
            answer.addRecord(new TXTRecord(question.getName(), DClass.IN, 300, texts.get(name)), Section.ANSWER);
        } else {
            answer.getHeader().setRcode(Rcode.NXDOMAIN);
        }
        if (query.getOPT() != null) {
            answer.addRecord(query.getOPT(), Section.ADDITIONAL);
        }
        return answer;
    }

    /** Names asked, in order. */
    List<String> names() {
        return queries.stream()
                .map(q -> q.message().getQuestion().getName().toString(true))
                .toList();
    }

    @Override
    public void close() throws IOException {
        udp.close();
        tcp.close();
    }

    static Name name(String text) throws IOException {
        return Name.fromString(text, Name.root);
    }
}
