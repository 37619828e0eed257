package dev.corridor.sidecar.os;

import static dev.corridor.sidecar.os.TcpSegments.ACK;
import static dev.corridor.sidecar.os.TcpSegments.CWR;
import static dev.corridor.sidecar.os.TcpSegments.FIN;
import static dev.corridor.sidecar.os.TcpSegments.PSH;
import static dev.corridor.sidecar.os.TcpSegments.fold;
import static dev.corridor.sidecar.os.TcpSegments.onesSum;
import static dev.corridor.sidecar.os.TcpSegments.randomBytes;
import static dev.corridor.sidecar.os.TcpSegments.tcpChecksumValid;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Reads as the kernel hands them over with IFF_VNET_HDR and TUNSETOFFLOAD (the virtio_net_hdr layout of
 * include/uapi/linux/virtio_net.h), built here byte by byte; every packet that comes out is checked with a checksum
 * computed here, independently of the code under test.
 */
class OffloadedPacketsTest {
    private final OffloadedPackets packets = new OffloadedPackets();

    @Test
    void theChecksumSumAgreesWithRfc1071WrittenOutAtEveryLengthAndOffset() {
        byte[] bytes = randomBytes(300);
        for (int off = 0; off < 9; off++) {
            for (int length = 0; off + length <= bytes.length; length++) {
                assertThat(OffloadedPackets.fold(OffloadedPackets.sum(bytes, off, length, 0)))
                        .as("%d bytes from %d", length, off)
                        .isEqualTo(onesSum(bytes, off, length, 0));
            }
        }
        byte[] ones = new byte[65536];
        Arrays.fill(ones, (byte) 0xff);
        assertThat(OffloadedPackets.fold(OffloadedPackets.sum(ones, 0, ones.length, 0xffff_ffffL)))
                .as("64 KB of 0xff, the largest sum, on top of a large running sum")
                .isEqualTo(onesSum(ones, 0, ones.length, 0xffff));
    }

    @Test
    void cutsAnIpv4TcpSegmentIntoPacketsOfTheSegmentSize() {
        byte[] payload = randomBytes(3500);
        byte[] big = ipv4Tcp(payload, 0x1234, 4_294_966_000L, ACK | PSH | FIN | CWR);

        List<byte[]> out = readAll(header(OffloadedPackets.GSO_TCPV4, 1000, 20, 16), big);

        assertThat(out).extracting(p -> p.length).containsExactly(1040, 1040, 1040, 540);
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        for (int i = 0; i < out.size(); i++) {
            ByteBuffer p = ByteBuffer.wrap(out.get(i));
            assertThat(p.getShort(2) & 0xffff).as("total length").isEqualTo(out.get(i).length);
            assertThat(p.getShort(4) & 0xffff).as("identification").isEqualTo(0x1234 + i);
            assertThat(onesSum(out.get(i), 0, 20, 0)).as("IPv4 header checksum").isEqualTo(0xffff);
            assertThat(p.getInt(24) & 0xffffffffL).as("sequence").isEqualTo((4_294_966_000L + 1000L * i) & 0xffffffffL);
            int flags = out.get(i)[33] & 0xff;
            boolean last = i == out.size() - 1;
            assertThat(flags & (PSH | FIN)).as("PSH and FIN only on the last").isEqualTo(last ? PSH | FIN : 0);
            assertThat(flags & CWR).as("CWR only on the first").isEqualTo(i == 0 ? CWR : 0);
            assertThat(flags & ACK).isEqualTo(ACK);
            assertThat(tcpChecksumValid(out.get(i), false))
                    .as("TCP checksum of segment " + i)
                    .isTrue();
            joined.write(out.get(i), 40, out.get(i).length - 40);
        }
        assertThat(joined.toByteArray()).isEqualTo(payload);
    }

    @Test
    void cutsAnIpv6TcpSegment() {
        byte[] payload = randomBytes(2800);
        byte[] big = ipv6Tcp(payload, ACK | PSH);

        List<byte[]> out = readAll(header(OffloadedPackets.GSO_TCPV6, 1220, 40, 16), big);

        assertThat(out).extracting(p -> p.length).containsExactly(1280, 1280, 420);
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        for (byte[] p : out) {
            assertThat(ByteBuffer.wrap(p).getShort(4) & 0xffff)
                    .as("payload length")
                    .isEqualTo(p.length - 40);
            assertThat(tcpChecksumValid(p, true)).isTrue();
            joined.write(p, 60, p.length - 60);
        }
        assertThat(joined.toByteArray()).isEqualTo(payload);
        assertThat(out.get(0)[53] & PSH).isZero();
        assertThat(out.get(2)[53] & PSH).isEqualTo(PSH);
    }

    @Test
    void completesAChecksumTheKernelLeftOpen() {
        // UDP over IPv4, its checksum field holding the pseudo-header's sum, as the kernel leaves it
        // (CHECKSUM_PARTIAL).
        byte[] udp = new byte[20 + 8 + 33];
        ByteBuffer p = ByteBuffer.wrap(udp);
        p.put(0, (byte) 0x45).putShort(2, (short) udp.length).put(8, (byte) 64).put(9, (byte) 17);
        p.putInt(12, 0x0a63_0032).putInt(16, 0x0a14_010a);
        p.putShort(20, (short) 40000).putShort(22, (short) 53).putShort(24, (short) (udp.length - 20));
        System.arraycopy(randomBytes(33), 0, udp, 28, 33);
        int pseudo = fold(onesSum(udp, 12, 8, 17 + udp.length - 20));
        p.putShort(26, (short) pseudo);

        List<byte[]> out = readAll(header(OffloadedPackets.GSO_NONE, 0, 20, 6, OffloadedPackets.NEEDS_CSUM), udp);

        assertThat(out).hasSize(1);
        byte[] done = out.get(0);
        assertThat(fold(onesSum(done, 12, 8, 17 + done.length - 20) + onesSum(done, 20, done.length - 20, 0)))
                .isEqualTo(0xffff);
    }

    @Test
    void aUdpChecksumThatComesToZeroIsSentAsAllOnes() {
        // UDP over IPv6, where a zero checksum is refused (RFC 8200 8.1); two payload bytes chosen so that the
        // datagram's checksum computes to zero.
        byte[] udp = new byte[40 + 8 + 20];
        ByteBuffer p = ByteBuffer.wrap(udp);
        p.put(0, (byte) 0x60).putShort(4, (short) 28).put(6, (byte) 17).put(7, (byte) 64);
        System.arraycopy(randomBytes(32), 0, udp, 8, 32);
        p.putShort(40, (short) 40000).putShort(42, (short) 53).putShort(44, (short) 28);
        System.arraycopy(randomBytes(18), 0, udp, 48, 18);
        int pseudo = fold(onesSum(udp, 8, 32, 17 + 28));
        int rest = fold(pseudo + onesSum(udp, 40, 28, 0)); // the last two bytes zero, the checksum field zero
        p.putShort(66, (short) ~rest); // the whole sum is now 0xffff: the checksum, its complement, is zero
        p.putShort(46, (short) pseudo);

        List<byte[]> out = readAll(header(OffloadedPackets.GSO_NONE, 0, 40, 6, OffloadedPackets.NEEDS_CSUM), udp);

        assertThat(out).hasSize(1);
        assertThat(ByteBuffer.wrap(out.get(0)).getShort(46)).isEqualTo((short) 0xffff);
    }

    @Test
    void passesACompletePacketAsItIs() {
        byte[] packet = ipv4Tcp(randomBytes(100), 1, 1, ACK);
        List<byte[]> out = readAll(header(OffloadedPackets.GSO_NONE, 0, 0, 0, 0), packet);
        assertThat(out).containsExactly(packet);
    }

    @Test
    void yieldsNothingForReadsItCannotMakePacketsOf() {
        byte[] packet = ipv4Tcp(randomBytes(100), 1, 1, ACK);
        assertThat(readAll(header(OffloadedPackets.GSO_TCPV4, 1000, 200, 16), packet))
                .as("transport header beyond the packet")
                .isEmpty();
        assertThat(readAll(header(3, 1000, 20, 6), packet))
                .as("UDP segmentation, never enabled")
                .isEmpty();
        assertThat(readAll(header(OffloadedPackets.GSO_TCPV4, 0, 20, 16), packet))
                .as("segment size 0")
                .isEmpty();
        assertThat(readAll(new byte[0], new byte[4]))
                .as("shorter than the header")
                .isEmpty();
    }

    @Test
    void aSegmentTheCallerHasNoRoomForIsCutAndReportedWhole() {
        byte[] big = ipv4Tcp(randomBytes(3000), 7, 1, ACK);
        System.arraycopy(header(OffloadedPackets.GSO_TCPV4, 1400, 20, 16), 0, packets.buffer(), 0, 10);
        System.arraycopy(big, 0, packets.buffer(), 10, big.length);
        packets.accept(10 + big.length);
        byte[] out = new byte[1000];
        assertThat(packets.next(out, 0, 1000)).isEqualTo(1440);
        assertThat(packets.hasNext()).as("the next segments still come").isTrue();
    }

    private List<byte[]> readAll(byte[] header, byte[] packet) {
        System.arraycopy(header, 0, packets.buffer(), 0, header.length);
        System.arraycopy(packet, 0, packets.buffer(), header.length, packet.length);
        packets.accept(header.length + packet.length);
        List<byte[]> out = new ArrayList<>();
        byte[] buf = new byte[100 + 65536];
        while (packets.hasNext()) {
            int length = packets.next(buf, 100, 65536);
            byte[] packetOut = new byte[length];
            System.arraycopy(buf, 100, packetOut, 0, length);
            out.add(packetOut);
        }
        return out;
    }

    private static byte[] header(int gsoType, int gsoSize, int checksumStart, int checksumOffset) {
        return header(gsoType, gsoSize, checksumStart, checksumOffset, OffloadedPackets.NEEDS_CSUM);
    }

    /** struct virtio_net_hdr, little-endian: flags, gso_type, hdr_len, gso_size, csum_start, csum_offset. */
    private static byte[] header(int gsoType, int gsoSize, int checksumStart, int checksumOffset, int flags) {
        ByteBuffer h = ByteBuffer.allocate(10).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        h.put((byte) flags).put((byte) gsoType).putShort((short) 0).putShort((short) gsoSize);
        h.putShort((short) checksumStart).putShort((short) checksumOffset);
        return h.array();
    }

    /** A TCP segment as the pod's TCP hands it over: its checksum field holds whatever, to be recomputed. */
    private static byte[] ipv4Tcp(byte[] payload, int id, long sequence, int flags) {
        byte[] p = TcpSegments.ipv4(payload, id, sequence, flags, 64240);
        ByteBuffer.wrap(p).putShort(36, (short) 0x5a5a);
        return p;
    }

    private static byte[] ipv6Tcp(byte[] payload, int flags) {
        return TcpSegments.ipv6(payload, 77, flags);
    }
}
