package dev.corridor.sidecar.os;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A batch sent to a plain JDK socket on loopback: whatever runs the kernel segments (UDP_SEGMENT), the receiver
 * gets each datagram whole, in order, with its own bytes.
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
    void withoutSegmentationEachDatagramGoesAlone() throws Exception {
        try (DatagramChannel receiver = receiver();
                UdpSocket socket = UdpSocket.connect((InetSocketAddress) receiver.getLocalAddress(), 1 << 20)) {
            socket.stopSegmentation();

            assertThat(sendAll(socket)).isZero();

            assertThat(receiveAll(receiver)).containsExactlyElementsOf(expected());
        }
    }

    private static DatagramChannel receiver() throws Exception {
        DatagramChannel receiver = DatagramChannel.open();
        receiver.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        receiver.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 1 << 20);
        return receiver;
    }

    private static int sendAll(UdpSocket socket) throws OsException {
        DatagramBatch batch = new DatagramBatch();
        for (int i = 0; i < SIZES.length; i++) {
            byte[] datagram = datagram(i);
            assertThat(batch.add(datagram, 0, datagram.length)).isTrue();
        }
        return batch.send(socket);
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
