package dev.corridor.sidecar.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A batch sent to a plain JDK socket on loopback: whatever runs the kernel segments (UDP_SEGMENT), the receiver
 * gets each datagram whole, in order, with its own bytes. And a batch received by a socket with UDP_GRO: the runs
 * the kernel hands over merged are cut back into the datagrams they were.
 */
class DatagramBatchTest {
    /** Runs of one size, a shorter one ending a run, sizes that break runs, single datagrams. */
    private static final int[] SIZES = {1000, 1000, 1000, 1000, 600, 1000, 1000, 200, 1300, 1300, 1300, 80, 1400, 1000};

    @Test
    void segmentedRunsArriveAsTheDatagramsTheyWere() throws Exception {
        try (DatagramChannel receiver = receiver();
                UdpSocket socket = UdpSocket.connect((InetSocketAddress) receiver.getLocalAddress(), 1 << 20)) {
            assertThat(socket.segmentation())
                    .as("UDP_SEGMENT on this kernel (4.18 and later)")
                    .isTrue();

            assertThat(sendAll(socket)).isZero();

            assertThat(receiveAll(receiver)).containsExactlyElementsOf(expected());
            assertThat(socket.segmentation())
                    .as("loopback takes segmented sends")
                    .isTrue();
        }
    }

    @Test
    void aFullBatchOfSlotSizedDatagramsIsSentInRunsTheKernelTakes() throws Exception {
        try (DatagramChannel receiver = receiver();
                UdpSocket socket = UdpSocket.connect((InetSocketAddress) receiver.getLocalAddress(), 1 << 20);
                DatagramBatch batch = new DatagramBatch()) {
            List<byte[]> sent = new ArrayList<>();
            for (int i = 0; i < DatagramBatch.CAPACITY; i++) {
                byte[] datagram = new byte[DatagramBatch.SLOT];
                Arrays.fill(datagram, (byte) i);
                assertThat(batch.add(datagram, 0, datagram.length)).isTrue();
                sent.add(datagram);
            }

            assertThat(batch.send(socket))
                    .as("32 x 2048 bytes exceed one UDP payload: sent as two runs, not refused")
                    .isZero();

            List<byte[]> received = new ArrayList<>();
            ByteBuffer buffer = ByteBuffer.allocate(65_536);
            for (int i = 0; i < DatagramBatch.CAPACITY; i++) {
                buffer.clear();
                receiver.receive(buffer);
                received.add(Arrays.copyOf(buffer.array(), buffer.position()));
            }
            assertThat(received).containsExactlyElementsOf(sent);
            assertThat(socket.segmentation()).isTrue();
        }
    }

    @Test
    void withoutSegmentationEachDatagramGoesAlone() throws Exception {
        try (DatagramChannel receiver = receiver();
                UdpSocket socket = UdpSocket.connect((InetSocketAddress) receiver.getLocalAddress(), 1 << 20)) {
            socket.stopSegmentation();

            assertThat(sendAll(socket)).isZero();

            assertThat(receiveAll(receiver)).containsExactlyElementsOf(expected());
        }
    }

    @Test
    void runsTheKernelMergedAreCutBackIntoTheirDatagrams() throws Exception {
        UdpSocket[] pair = connectedPair();
        try (UdpSocket sender = pair[0];
                UdpSocket receiver = pair[1]) {
            assertThat(receiver.receiveOffload())
                    .as("UDP_GRO on this kernel (5.0 and later)")
                    .isTrue();

            assertThat(sendAll(sender)).isZero();

            List<String> received = new ArrayList<>();
            int messages = receiveAll(receiver, received);
            assertThat(received).containsExactlyElementsOf(expected());
            // Sent as four runs (4×1000+600, 2×1000+200, 3×1300+80, 1400+1000); loopback hands a segmented send to
            // a socket with UDP_GRO as it was sent.
            assertThat(messages).isEqualTo(4);
        }
    }

    @Test
    void withReceiveOffloadUnmergedDatagramsComeOneByOne() throws Exception {
        UdpSocket[] pair = connectedPair();
        try (UdpSocket sender = pair[0];
                UdpSocket receiver = pair[1]) {
            sender.stopSegmentation();

            assertThat(sendAll(sender)).isZero();

            List<String> received = new ArrayList<>();
            assertThat(receiveAll(receiver, received)).isEqualTo(SIZES.length);
            assertThat(received).containsExactlyElementsOf(expected());
        }
    }

    /** Receives through a batch until every datagram came; returns how many messages they came in. */
    private static int receiveAll(UdpSocket receiver, List<String> received) throws Exception {
        try (DatagramBatch batch = new DatagramBatch()) {
            int messages = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (received.size() < SIZES.length && System.nanoTime() < deadline) {
                int n = batch.receive(receiver, DatagramBatch.CAPACITY);
                messages += n;
                while (batch.nextDatagram()) {
                    byte[] datagram = new byte[batch.datagramLength()];
                    batch.copyDatagram(datagram, 0);
                    received.add(describe(datagram));
                }
                if (n == 0) {
                    Thread.sleep(1);
                }
            }
            return messages;
        }
    }

    /**
     * Two sockets on loopback connected to each other, the sender as {@link UdpSocket#connect} would open it. The
     * sender's connect to a JDK socket binds it a port, which its first datagram there tells; the receiver connects
     * to that port, and the kernel's socket table (/proc/net/udp) tells the receiver's port, to which the sender then
     * connects again (a second connect keeps the port).
     */
    private static UdpSocket[] connectedPair() throws Exception {
        try (DatagramChannel first = receiver();
                Arena arena = Arena.ofConfined()) {
            InetSocketAddress firstAddress = (InetSocketAddress) first.getLocalAddress();
            int fd = Sockets.open(Libc.SOCK_DGRAM, firstAddress, "the sender");
            assertThat(Libc.connect(fd, Sockets.address(arena, firstAddress))).isZero();
            assertThat(Libc.sendto(fd, arena.allocate(1), 1, MemorySegment.NULL))
                    .isEqualTo(1);
            InetSocketAddress senderAddress = (InetSocketAddress) first.receive(ByteBuffer.allocate(16));

            UdpSocket receiver = UdpSocket.connect(senderAddress, 1 << 20);
            InetSocketAddress receiverAddress =
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), portConnectedTo(senderAddress.getPort()));
            assertThat(Libc.connect(fd, Sockets.address(arena, receiverAddress)))
                    .isZero();
            UdpSocket sender = new UdpSocket(new PollableFd(fd, "the sender"), receiverAddress, true, false);
            return new UdpSocket[] {sender, receiver};
        }
    }

    /** The local port of the one loopback UDP socket connected to 127.0.0.1 {@code port}. */
    private static int portConnectedTo(int port) throws Exception {
        String remote = String.format("0100007F:%04X", port);
        return Files.readAllLines(Path.of("/proc/net/udp")).stream()
                .map(line -> line.trim().split("\\s+"))
                .filter(fields -> fields[2].equals(remote))
                .mapToInt(fields -> Integer.parseInt(fields[1].substring(fields[1].indexOf(':') + 1), 16))
                .findFirst()
                .orElseThrow();
    }

    private static DatagramChannel receiver() throws Exception {
        DatagramChannel receiver = DatagramChannel.open();
        receiver.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        receiver.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 1 << 20);
        return receiver;
    }

    private static int sendAll(UdpSocket socket) throws OsException {
        try (DatagramBatch batch = new DatagramBatch()) {
            for (int i = 0; i < SIZES.length; i++) {
                byte[] datagram = datagram(i);
                assertThat(batch.add(datagram, 0, datagram.length)).isTrue();
            }
            return batch.send(socket);
        }
    }

    @Test
    void aClosedBatchCannotBeUsedAndClosesOnce() {
        DatagramBatch batch = new DatagramBatch();
        batch.close();
        batch.close(); // again: nothing happens

        assertThatThrownBy(() -> batch.add(new byte[10], 0, 10)).isInstanceOf(IllegalStateException.class);
    }

    private static List<String> receiveAll(DatagramChannel receiver) throws Exception {
        receiver.configureBlocking(false);
        List<String> received = new ArrayList<>();
        ByteBuffer buffer = ByteBuffer.allocate(65536);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (received.size() < SIZES.length && System.nanoTime() < deadline) {
            buffer.clear();
            if (receiver.receive(buffer) == null) {
                Thread.sleep(1);
                continue;
            }
            received.add(describe(Arrays.copyOf(buffer.array(), buffer.position())));
        }
        return received;
    }

    private static List<String> expected() {
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < SIZES.length; i++) {
            expected.add(describe(datagram(i)));
        }
        return expected;
    }

    /** Datagram {@code i}: its size, every byte its index. */
    private static byte[] datagram(int i) {
        byte[] datagram = new byte[SIZES[i]];
        Arrays.fill(datagram, (byte) i);
        return datagram;
    }

    private static String describe(byte[] datagram) {
        boolean uniform = true;
        for (byte b : datagram) {
            uniform &= b == datagram[0];
        }
        return datagram.length + " bytes of " + datagram[0] + (uniform ? "" : " (mixed!)");
    }
}
