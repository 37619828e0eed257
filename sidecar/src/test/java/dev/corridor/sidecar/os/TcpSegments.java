package dev.corridor.sidecar.os;

import java.nio.ByteBuffer;
import java.util.Random;

/**
 * TCP segments built byte by byte for the offload tests, with checksums computed here (RFC 1071 written out once more)
 * so that the tests do not check the code with itself. Ports 5201 → 40000, ack 99, window 64240 unless told.
 */
final class TcpSegments {
    static final int FIN = 0x01;
    static final int SYN = 0x02;
    static final int PSH = 0x08;
    static final int ACK = 0x10;
    static final int CWR = 0x80;

    private TcpSegments() {}

    /** IPv4 10.20.2.10:5201 → 10.99.0.50:40000, ack 99; see the other. */
    static byte[] ipv4(byte[] payload, int id, long sequence, int flags, int window) {
        return ipv4(0x0a14_020a, 5201, 0x0a63_0032, 40000, sequence, 99, flags, window, id, payload);
    }

    /** IPv4 with DF, TTL 64 and no options, TCP without options; both checksums valid. */
    static byte[] ipv4(
            int source,
            int sourcePort,
            int destination,
            int destinationPort,
            long sequence,
            long acknowledged,
            int flags,
            int window,
            int id,
            byte[] payload) {
        byte[] p = new byte[40 + payload.length];
        ByteBuffer b = ByteBuffer.wrap(p);
        b.put(0, (byte) 0x45)
                .putShort(2, (short) p.length)
                .putShort(4, (short) id)
                .put(6, (byte) 0x40)
                .put(8, (byte) 64)
                .put(9, (byte) 6);
        b.putInt(12, source).putInt(16, destination);
        b.putShort(10, (short) ~onesSum(p, 0, 20, 0));
        tcpHeader(b, 20, sourcePort, destinationPort, sequence, acknowledged, flags, window);
        System.arraycopy(payload, 0, p, 40, payload.length);
        b.putShort(36, (short) ~tcpSum(p, false));
        return p;
    }

    /** IPv6 fd00::14:0:0:0:10 → fd00::50, hop limit 64; the TCP checksum valid. */
    static byte[] ipv6(byte[] payload, long sequence, int flags) {
        byte[] p = new byte[60 + payload.length];
        ByteBuffer b = ByteBuffer.wrap(p);
        b.put(0, (byte) 0x60)
                .putShort(4, (short) (p.length - 40))
                .put(6, (byte) 6)
                .put(7, (byte) 64);
        b.putLong(8, 0xfd00_0000_0000_0014L)
                .putLong(16, 0x10L)
                .putLong(24, 0xfd00_0000_0000_0000L)
                .putLong(32, 0x50L);
        tcpHeader(b, 40, 5201, 40000, sequence, 99, flags, 64240);
        System.arraycopy(payload, 0, p, 60, payload.length);
        b.putShort(56, (short) ~tcpSum(p, true));
        return p;
    }

    private static void tcpHeader(
            ByteBuffer b,
            int at,
            int sourcePort,
            int destinationPort,
            long sequence,
            long acknowledged,
            int flags,
            int window) {
        b.putShort(at, (short) sourcePort)
                .putShort(at + 2, (short) destinationPort)
                .putInt(at + 4, (int) sequence);
        b.putInt(at + 8, (int) acknowledged).put(at + 12, (byte) 0x50).put(at + 13, (byte) flags);
        b.putShort(at + 14, (short) window);
    }

    /** A batch of exactly these packets, for one write. */
    static PacketBatch batchOf(byte[]... packets) {
        int bytes = 0;
        for (byte[] packet : packets) {
            bytes += PacketBatch.HEADROOM + packet.length;
        }
        PacketBatch batch = new PacketBatch(packets.length, bytes);
        for (byte[] packet : packets) {
            batch.add(packet, 0, packet.length);
        }
        return batch;
    }

    /** The IPv4 packet from another source port, its checksum made valid again. */
    static byte[] fromPort(byte[] ipv4, int port) {
        ByteBuffer b = ByteBuffer.wrap(ipv4);
        b.putShort(20, (short) port).putShort(36, (short) 0);
        b.putShort(36, (short) ~tcpSum(ipv4, false));
        return ipv4;
    }

    /** Whether the packet's TCP checksum is valid. */
    static boolean tcpChecksumValid(byte[] p, boolean ipv6) {
        return tcpSum(p, ipv6) == 0xffff;
    }

    /** The folded sum over the pseudo-header and the TCP segment, its checksum field included. */
    private static int tcpSum(byte[] p, boolean ipv6) {
        int tcp = ipv6 ? 40 : 20;
        int length = p.length - tcp;
        int pseudo = ipv6 ? onesSum(p, 8, 32, 6 + length) : onesSum(p, 12, 8, 6 + length);
        return fold(pseudo + onesSum(p, tcp, length, 0));
    }

    static int onesSum(byte[] bytes, int off, int length, int initial) {
        long sum = initial;
        for (int i = 0; i < length; i += 2) {
            int high = bytes[off + i] & 0xff;
            int low = i + 1 < length ? bytes[off + i + 1] & 0xff : 0;
            sum += (high << 8) + low;
        }
        return fold(sum);
    }

    static int fold(long sum) {
        while (sum > 0xffff) {
            sum = (sum >> 16) + (sum & 0xffff);
        }
        return (int) sum;
    }

    static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        new Random(n).nextBytes(bytes);
        return bytes;
    }
}
