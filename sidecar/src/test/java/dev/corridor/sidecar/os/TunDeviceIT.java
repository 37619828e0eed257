package dev.corridor.sidecar.os;

import static dev.corridor.sidecar.os.TcpSegments.ACK;
import static dev.corridor.sidecar.os.TcpSegments.PSH;
import static dev.corridor.sidecar.os.TcpSegments.SYN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corridor.sidecar.testing.NetworkNamespace;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The tun device against the kernel, in a namespace of its own (needs root). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TunDeviceIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static NetworkNamespace namespace;
    /** 10.77.1.1, the namespace's end of tun-m, and 10.77.1.2, the TCP peer the test plays behind it. */
    private static final int LOCAL = 0x0a4d_0101;

    private static final int PEER = 0x0a4d_0102;

    @BeforeAll
    static void createNamespace() throws Exception {
        namespace = NetworkNamespace.create("cort-tun");
    }

    @AfterAll
    static void deleteNamespace() {
        if (namespace != null) {
            namespace.close();
        }
    }

    @Test
    void createsATunDeviceWithoutPacketInformationThatGoesAwayOnClose() throws Exception {
        TunDevice tun = namespace.call(() -> TunDevice.create("tun-a"));
        try {
            JsonNode link = ipJson("-d", "link", "show", "dev", "tun-a").get(0);
            assertThat(tun.name()).isEqualTo("tun-a");
            assertThat(link.get("ifindex").asInt()).isEqualTo(tun.index());
            assertThat(link.at("/linkinfo/info_kind").asText()).isEqualTo("tun");
            assertThat(link.at("/linkinfo/info_data/type").asText()).isEqualTo("tun");
            assertThat(link.at("/linkinfo/info_data/pi").asBoolean()).isFalse();
            assertThat(link.at("/linkinfo/info_data/persist").asBoolean()).isFalse();
        } finally {
            tun.close();
        }
        tun.close();
        assertThat(ipJson("link", "show").findValuesAsText("ifname")).doesNotContain("tun-a");
    }

    @Test
    void nameLongerThan15BytesIsRefused() {
        assertThatThrownBy(() -> namespace.call(() -> TunDevice.create("corridor-tunnel-0")))
                .isInstanceOf(OsException.class)
                .hasMessage(
                        "creating tun device 'corridor-tunnel-0': the name is 17 bytes long, Linux allows at most 15")
                .extracting(e -> ((OsException) e).errno())
                .isEqualTo(0);
    }

    @Test
    void deviceThatIsAlreadyOpenIsBusy() throws Exception {
        try (TunDevice first = namespace.call(() -> TunDevice.create("tun-b"))) {
            assertThat(first.index()).isPositive();
            assertThatThrownBy(() -> namespace.call(() -> TunDevice.create("tun-b")))
                    .isInstanceOf(OsException.class)
                    .hasMessage("creating tun device 'tun-b': Device or resource busy (EBUSY); "
                            + "the device exists and another process has it open")
                    .extracting(e -> ((OsException) e).errno())
                    .isEqualTo(Libc.EBUSY);
        }
    }

    @Test
    void nameOfAnInterfaceThatIsNoTunDevice() {
        assertThatThrownBy(() -> namespace.call(() -> TunDevice.create("lo")))
                .isInstanceOf(OsException.class)
                .hasMessageStartingWith("creating tun device 'lo': Invalid argument (EINVAL); ")
                .hasMessageContaining("not be a tun device");
    }

    @Test
    void packetsFlowBothWays() throws Exception {
        try (TunDevice tun = namespace.call(() -> TunDevice.create("tun-p"))) {
            namespace.exec("ip", "addr", "add", "10.77.0.1/24", "dev", "tun-p");
            namespace.exec("ip", "link", "set", "tun-p", "up");
            InetAddress local = InetAddress.getByName("10.77.0.1");
            InetAddress peer = InetAddress.getByName("10.77.0.2");

            // Out: a datagram sent in the namespace to the tun's network comes out of the tun as an IP packet.
            byte[] outbound = "hello tun".getBytes(StandardCharsets.US_ASCII);
            int sourcePort = namespace.call(() -> {
                try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(local, 0))) {
                    socket.send(new DatagramPacket(outbound, outbound.length, peer, 5000));
                    return socket.getLocalPort();
                }
            });
            byte[] packet = readUdpPacket(tun, 5000);
            assertThat(packet[0]).isEqualTo((byte) 0x45);
            assertThat(u16(packet, 2)).isEqualTo(packet.length);
            assertThat(packet[9]).isEqualTo((byte) 17);
            assertThat(Arrays.copyOfRange(packet, 12, 16)).isEqualTo(local.getAddress());
            assertThat(Arrays.copyOfRange(packet, 16, 20)).isEqualTo(peer.getAddress());
            assertThat(onesComplementSum(packet, 0, 20, 0))
                    .as("IPv4 header checksum")
                    .isEqualTo(0xffff);
            assertThat(u16(packet, 20)).isEqualTo(sourcePort);
            assertThat(u16(packet, 24)).isEqualTo(8 + outbound.length);
            assertThat(Arrays.copyOfRange(packet, 28, packet.length)).isEqualTo(outbound);

            // In: a packet written to the tun reaches a socket in the namespace.
            try (DatagramSocket receiver =
                    namespace.call(() -> new DatagramSocket(new InetSocketAddress(local, 5001)))) {
                receiver.setSoTimeout(5000);
                byte[] inbound = "hello socket".getBytes(StandardCharsets.US_ASCII);
                byte[] written = udpPacket(peer, 6000, local, 5001, inbound);
                tun.write(TcpSegments.batchOf(written));

                DatagramPacket received = new DatagramPacket(new byte[100], 100);
                receiver.receive(received);
                assertThat(Arrays.copyOf(received.getData(), received.getLength()))
                        .isEqualTo(inbound);
                assertThat(received.getSocketAddress()).isEqualTo(new InetSocketAddress(peer, 6000));
            }
        }
    }

    /**
     * Coalescing on the way in, against the kernel: the test plays a TCP peer behind the tun device, opens a
     * connection to a socket in the namespace, and writes four segments in one batch. They reach the socket as sent,
     * and the device counts one packet received: the kernel took them as one segment.
     */
    @Test
    void segmentsWrittenTogetherReachTheSocketAsOnePacket() throws Exception {
        try (TunDevice tun = namespace.call(() -> TunDevice.create("tun-m"))) {
            assumeTrue(tun.offloads(), "this kernel refused the tun offloads");
            namespace.exec("ip", "addr", "add", "10.77.1.1/24", "dev", "tun-m");
            namespace.exec("ip", "link", "set", "tun-m", "up");
            try (ServerSocket server =
                    namespace.call(() -> new ServerSocket(5003, 1, InetAddress.getByName("10.77.1.1")))) {
                server.setSoTimeout(5000);
                connectAndSendTogether(tun, server);
            }
        }
    }

    private static void connectAndSendTogether(TunDevice tun, ServerSocket server) throws Exception {
        long sequence = 1000;
        tun.write(TcpSegments.batchOf(
                TcpSegments.ipv4(PEER, 40001, LOCAL, 5003, sequence, 0, SYN, 65535, 1, new byte[0])));
        byte[] synAck = readTcpPacket(tun, 40001);
        assertThat(synAck[33] & (SYN | ACK)).isEqualTo(SYN | ACK);
        long acknowledged = (ByteBuffer.wrap(synAck).getInt(24) & 0xffffffffL) + 1;
        sequence++;
        tun.write(TcpSegments.batchOf(
                TcpSegments.ipv4(PEER, 40001, LOCAL, 5003, sequence, acknowledged, ACK, 65535, 2, new byte[0])));
        try (Socket accepted = server.accept()) {
            accepted.setSoTimeout(5000);
            sendTogether(tun, accepted, sequence, acknowledged);
        }
    }

    /** Four segments in one batch, after the handshake; the last with PSH. */
    private static void sendTogether(TunDevice tun, Socket accepted, long sequence, long acknowledged)
            throws Exception {
        byte[] data = TcpSegments.randomBytes(4 * 1000);
        byte[][] segments = new byte[4][];
        for (int i = 0; i < 4; i++) {
            segments[i] = TcpSegments.ipv4(
                    PEER,
                    40001,
                    LOCAL,
                    5003,
                    sequence + i * 1000L,
                    acknowledged,
                    i == 3 ? ACK | PSH : ACK,
                    65535,
                    3 + i,
                    Arrays.copyOfRange(data, i * 1000, (i + 1) * 1000));
        }
        long packetsBefore = receivedPackets("tun-m");
        PacketBatch batch = TcpSegments.batchOf(segments);
        tun.write(batch);

        assertThat(batch.refusal()).isEmpty();
        assertThat(accepted.getInputStream().readNBytes(data.length)).isEqualTo(data);
        assertThat(receivedPackets("tun-m") - packetsBefore).isEqualTo(1);
    }

    @Test
    void awaitReadableTimesOutWhenNothingComes() throws Exception {
        try (TunDevice tun = namespace.call(() -> TunDevice.create("tun-t"))) {
            long start = System.nanoTime();
            assertThat(tun.awaitReadable(300)).isFalse();
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(290));
            assertThat(tun.awaitReadable(0)).isFalse();
            assertThat(tun.read(new byte[2000], 0, 2000)).isZero();
        }
    }

    @Test
    void wakeupReleasesAWaitingThreadPromptly() throws Exception {
        try (TunDevice tun = namespace.call(() -> TunDevice.create("tun-w"))) {
            CompletableFuture<Boolean> waiting = awaitOnAnotherThread(tun);
            Thread.sleep(300);
            assertThat(waiting).isNotDone();

            long start = System.nanoTime();
            tun.wakeup();
            assertThat(waiting.get(2, TimeUnit.SECONDS)).isFalse();
            assertThat(System.nanoTime() - start).isLessThan(TimeUnit.MILLISECONDS.toNanos(500));

            // A wakeup with no one waiting is kept for the next wait, once.
            tun.wakeup();
            tun.wakeup();
            assertThat(tun.awaitReadable(-1)).isFalse();
            assertThat(tun.awaitReadable(50)).isFalse();
        }
    }

    @Test
    void closeReleasesAWaitingThreadAndLaterCallsFail() throws Exception {
        TunDevice tun = namespace.call(() -> TunDevice.create("tun-c"));
        CompletableFuture<Boolean> waiting = awaitOnAnotherThread(tun);
        Thread.sleep(200);
        tun.close();
        assertThat(waiting.get(2, TimeUnit.SECONDS)).isFalse();

        tun.wakeup(); // harmless after close
        assertThatThrownBy(() -> tun.read(new byte[10], 0, 10))
                .isInstanceOf(OsException.class)
                .hasMessage("reading from tun device 'tun-c': it is closed");
        assertThatThrownBy(() -> tun.write(TcpSegments.batchOf(new byte[10])))
                .isInstanceOf(OsException.class)
                .hasMessage("writing to tun device 'tun-c': it is closed");
    }

    @Test
    void somethingThatIsNoIpPacketIsRefusedAndSaysWhy() throws Exception {
        try (TunDevice tun = namespace.call(() -> TunDevice.create("tun-g"))) {
            namespace.exec("ip", "link", "set", "tun-g", "up");
            byte[] garbage = new byte[40]; // IP version 0

            PacketBatch batch = TcpSegments.batchOf(garbage);
            tun.write(batch);

            assertThat(batch.refused(0)).isTrue();
            OsException refusal = batch.refusal().orElseThrow();
            assertThat(refusal)
                    .hasMessage("writing a 40-byte packet to tun device 'tun-g': Invalid argument (EINVAL); "
                            + "the kernel takes only whole IPv4 or IPv6 packets")
                    .extracting(OsException::errno)
                    .isEqualTo(Libc.EINVAL);
        }
    }

    @Test
    void readingAfterTheInterfaceWasDeletedFails() throws Exception {
        try (TunDevice tun = namespace.call(() -> TunDevice.create("tun-d"))) {
            namespace.exec("ip", "link", "delete", "tun-d");

            assertThatThrownBy(() -> tun.read(new byte[2000], 0, 2000))
                    .isInstanceOf(OsException.class)
                    .hasMessageStartingWith("reading from tun device 'tun-d': File descriptor in bad state (EBADFD)")
                    .hasMessageEndingWith("the interface was deleted while the device was open");
        }
    }

    /**
     * A node whose container runtime leaves /dev/net/tun out of the device cgroup (runc 1.2.0 to 1.2.3, crun 2022 to
     * 2025): the open fails with EPERM although the node exists and the caller is root. Reproduced with a cgroup v1
     * devices controller that denies 10:200 to the calling thread alone.
     */
    @Test
    void aTunDeviceTheRuntimeWithholdsIsExplainedWithTheRuntimeCause() throws Exception {
        Path controller = Path.of("/sys/fs/cgroup/devices");
        assumeTrue(
                Files.isWritable(controller.resolve("tasks")),
                "needs the cgroup v1 devices controller, as this machine has");
        Path cgroup =
                controller.resolve("corridor-test-" + ProcessHandle.current().pid());
        Files.createDirectories(cgroup);
        try {
            Files.writeString(cgroup.resolve("devices.deny"), "c 10:200 rwm");
            assertThatThrownBy(() -> namespace.call(() -> {
                        String thread = Files.readSymbolicLink(Path.of("/proc/thread-self"))
                                .getFileName()
                                .toString();
                        Files.writeString(cgroup.resolve("tasks"), thread);
                        try {
                            return TunDevice.create("tun-w");
                        } finally {
                            Files.writeString(controller.resolve("tasks"), thread);
                        }
                    }))
                    .isInstanceOf(OsException.class)
                    .hasMessageStartingWith(
                            "creating tun device 'tun-w': opening /dev/net/tun: Operation not permitted (EPERM); "
                                    + "the container runtime withholds the tun device (character device 10:200)")
                    .hasMessageContaining("runc 1.2.0 to 1.2.3")
                    .hasMessageEndingWith("a device plugin, or a privileged sidecar");
        } finally {
            Files.delete(cgroup);
        }
    }

    @Test
    void createsTheTunDeviceNode(@TempDir Path directory) throws Exception {
        Path net = directory.resolve("net");
        Path node = net.resolve("tun");

        TunDevice.createNode(net.toString(), node.toString(), "test");
        TunDevice.createNode(net.toString(), node.toString(), "test"); // already there: fine

        assertThat(namespace.exec("stat", "-c", "%F %t:%T %a", node.toString()).strip())
                .isEqualTo("character special file a:c8 600");
    }

    private static CompletableFuture<Boolean> awaitOnAnotherThread(TunDevice tun) {
        CompletableFuture<Boolean> result = new CompletableFuture<>();
        Thread.ofPlatform().daemon().start(() -> {
            try {
                result.complete(tun.awaitReadable(-1));
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        return result;
    }

    /** Reads packets until a UDP/IPv4 one to the port comes (IPv6 housekeeping may come first). */
    private static byte[] readUdpPacket(TunDevice tun, int port) throws OsException {
        return readPacket(tun, 17, port);
    }

    /** Reads packets until a TCP/IPv4 one to the port comes. */
    private static byte[] readTcpPacket(TunDevice tun, int port) throws OsException {
        return readPacket(tun, 6, port);
    }

    /** Reads packets until an IPv4 one of {@code protocol} (UDP or TCP) to {@code port}, headers whole, comes. */
    private static byte[] readPacket(TunDevice tun, int protocol, int port) throws OsException {
        int headersLength = 20 + (protocol == 6 ? 20 : 8);
        byte[] buffer = new byte[2000];
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            tun.awaitReadable(TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()) + 1);
            int length = tun.read(buffer, 0, buffer.length);
            if (length >= headersLength && buffer[0] == 0x45 && buffer[9] == protocol && u16(buffer, 22) == port) {
                return Arrays.copyOf(buffer, length);
            }
        }
        throw new AssertionError("no packet of protocol " + protocol + " to port " + port + " came out of " + tun);
    }

    /** What the interface counted as received: packets written to the tun device. */
    private static long receivedPackets(String device) throws Exception {
        return ipJson("-s", "link", "show", "dev", device)
                .get(0)
                .at("/stats64/rx/packets")
                .asLong();
    }

    /** A UDP/IPv4 packet with correct IP and UDP checksums. */
    private static byte[] udpPacket(
            InetAddress source, int sourcePort, InetAddress destination, int destinationPort, byte[] payload) {
        int udpLength = 8 + payload.length;
        ByteBuffer packet = ByteBuffer.allocate(20 + udpLength);
        packet.put((byte) 0x45)
                .put((byte) 0)
                .putShort((short) (20 + udpLength))
                .putShort((short) 0x1234)
                .putShort((short) 0x4000)
                .put((byte) 64)
                .put((byte) 17)
                .putShort((short) 0)
                .put(source.getAddress())
                .put(destination.getAddress());
        packet.putShort((short) sourcePort)
                .putShort((short) destinationPort)
                .putShort((short) udpLength)
                .putShort((short) 0)
                .put(payload);
        byte[] bytes = packet.array();
        int headerChecksum = ~onesComplementSum(bytes, 0, 20, 0) & 0xffff;
        bytes[10] = (byte) (headerChecksum >> 8);
        bytes[11] = (byte) headerChecksum;
        int pseudoHeader = onesComplementSum(bytes, 12, 8, 17 + udpLength);
        int udpChecksum = ~onesComplementSum(bytes, 20, udpLength, pseudoHeader) & 0xffff;
        udpChecksum = udpChecksum == 0 ? 0xffff : udpChecksum;
        bytes[26] = (byte) (udpChecksum >> 8);
        bytes[27] = (byte) udpChecksum;
        return bytes;
    }

    private static int onesComplementSum(byte[] bytes, int offset, int length, int initial) {
        long sum = initial;
        for (int i = 0; i < length; i += 2) {
            int high = bytes[offset + i] & 0xff;
            int low = i + 1 < length ? bytes[offset + i + 1] & 0xff : 0;
            sum += (high << 8) | low;
        }
        while ((sum >> 16) != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (int) sum;
    }

    private static int u16(byte[] bytes, int offset) {
        return ((bytes[offset] & 0xff) << 8) | (bytes[offset + 1] & 0xff);
    }

    private static JsonNode ipJson(String... arguments) throws Exception {
        String[] command = new String[arguments.length + 2];
        command[0] = "ip";
        command[1] = "-j";
        System.arraycopy(arguments, 0, command, 2, arguments.length);
        return JSON.readTree(namespace.exec(command));
    }
}
