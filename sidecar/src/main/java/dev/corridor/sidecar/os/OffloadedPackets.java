package dev.corridor.sidecar.os;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * What a tun device with offloads hands over (IFF_VNET_HDR with TUNSETOFFLOAD: checksums and TCP segmentation left to
 * the reader), turned back into the plain, complete IP packets the tunnel carries, as wireguard-go's
 * {@code tun/offload_linux.go} does: each read starts with a 10-byte {@code virtio_net_hdr}; a packet flagged
 * NEEDS_CSUM gets its transport checksum completed; a TCP segment of up to 64 KB (gso_type TCPV4 or TCPV6) is cut into
 * segments of gso_size payload bytes, each with its own IP length (and IPv4 identification and header checksum),
 * sequence number and TCP checksum, FIN and PSH only on the last and CWR only on the first.
 *
 * <p>One read yields one packet or many: {@link #accept} takes a read, {@link #next} hands out its packets in order.
 * Only the device's reading thread uses it.
 */
final class OffloadedPackets {
    /** sizeof(struct virtio_net_hdr), the header the kernel puts before each packet. */
    static final int HEADER_LENGTH = 10;
    /** The largest read: the header and a 64 KB IP packet. */
    static final int MAX_READ = HEADER_LENGTH + 65535;

    static final int NEEDS_CSUM = 1;
    static final int GSO_NONE = 0;
    static final int GSO_TCPV4 = 1;
    static final int GSO_TCPV6 = 4;
    static final int GSO_ECN = 0x80;

    private static final int TCP_FIN = 0x01;
    private static final int TCP_PSH = 0x08;
    private static final int TCP_CWR = 0x80;
    private static final int IPPROTO_TCP = 6;
    private static final VarHandle BIG_ENDIAN_LONG =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private final byte[] read = new byte[MAX_READ];
    private int readLength;
    private int gsoType;
    private boolean needsChecksum;
    private int checksumStart;
    private int checksumOffset;
    private int segmentSize;
    /** Where the headers end and the TCP payload starts, for segmentation. */
    private int headersLength;
    /** The next packet's offset in the read (a whole packet) or in its TCP payload (a segment); -1: none left. */
    private int nextOffset = -1;

    private int segmentIndex;

    /** The buffer a read goes into, header first. */
    byte[] buffer() {
        return read;
    }

    /**
     * Takes a read of {@code length} bytes from {@link #buffer()}. A read the reader cannot make packets of (shorter
     * than its header, a segmentation type that was not enabled, a segment whose headers do not fit) yields none.
     */
    void accept(int length) {
        nextOffset = -1;
        if (length <= HEADER_LENGTH) {
            return;
        }
        readLength = length;
        needsChecksum = (read[0] & NEEDS_CSUM) != 0;
        gsoType = read[1] & 0xff & ~GSO_ECN;
        segmentSize = u16le(4);
        checksumStart = u16le(6);
        checksumOffset = u16le(8);
        int packetLength = length - HEADER_LENGTH;
        if (needsChecksum && checksumStart + checksumOffset + 2 > packetLength) {
            return;
        }
        if (gsoType == GSO_NONE) {
            nextOffset = HEADER_LENGTH;
            return;
        }
        if ((gsoType != GSO_TCPV4 && gsoType != GSO_TCPV6) || !needsChecksum || segmentSize == 0) {
            return;
        }
        int tcp = HEADER_LENGTH + checksumStart;
        if (tcp + 20 > length) {
            return;
        }
        int tcpHeaderLength = ((read[tcp + 12] >> 4) & 0x0f) * 4;
        headersLength = checksumStart + tcpHeaderLength;
        if (tcpHeaderLength < 20 || headersLength > packetLength) {
            return;
        }
        segmentIndex = 0;
        nextOffset = 0;
    }

    /** Whether the last read has packets left. */
    boolean hasNext() {
        return nextOffset >= 0;
    }

    /** Writes the next packet to {@code out} at {@code off}, at most {@code max} bytes; returns its whole length. */
    int next(byte[] out, int off, int max) {
        return gsoType == GSO_NONE ? whole(out, off, max) : segment(out, off, max);
    }

    private int whole(byte[] out, int off, int max) {
        int length = readLength - HEADER_LENGTH;
        nextOffset = -1;
        System.arraycopy(read, HEADER_LENGTH, out, off, Math.min(length, max));
        if (needsChecksum && length <= max) {
            // The field holds the pseudo-header's sum; the sum from the transport header on completes it.
            int at = off + checksumStart + checksumOffset;
            long sum = sum(out, off + checksumStart, length - checksumStart, 0);
            // As the kernel's skb_checksum_help: a sum of zero goes out as 0xffff, since a zero UDP checksum means
            // "none" over IPv4 and is refused over IPv6 (RFC 768, RFC 8200 8.1); for TCP the two are the same.
            int checksum = ~fold(sum) & 0xffff;
            putU16(out, at, checksum == 0 ? 0xffff : checksum);
        }
        return length;
    }

    private int segment(byte[] out, int off, int max) {
        int payloadTotal = readLength - HEADER_LENGTH - headersLength;
        int payload = Math.min(segmentSize, payloadTotal - nextOffset);
        int length = headersLength + payload;
        boolean first = segmentIndex == 0;
        boolean last = nextOffset + payload >= payloadTotal;
        if (length > max) {
            System.arraycopy(read, HEADER_LENGTH, out, off, max);
            advance(payload, last);
            return length; // the caller counts it oversize
        }
        System.arraycopy(read, HEADER_LENGTH, out, off, headersLength);
        System.arraycopy(read, HEADER_LENGTH + headersLength + nextOffset, out, off + headersLength, payload);
        int tcp = off + checksumStart;
        if (gsoType == GSO_TCPV4) {
            int headerLength = (out[off] & 0x0f) * 4;
            putU16(out, off + 2, length);
            putU16(out, off + 4, u16(out, off + 4) + segmentIndex);
            putU16(out, off + 10, 0);
            putU16(out, off + 10, ~fold(sum(out, off, headerLength, 0)));
        } else {
            putU16(out, off + 4, length - 40);
        }
        long sequence = ((long) u16(out, tcp + 4) << 16 | u16(out, tcp + 6)) + (long) segmentIndex * segmentSize;
        putU16(out, tcp + 4, (int) (sequence >>> 16));
        putU16(out, tcp + 6, (int) sequence);
        int flags = out[tcp + 13] & 0xff;
        if (!last) {
            flags &= ~(TCP_FIN | TCP_PSH);
        }
        if (!first) {
            flags &= ~TCP_CWR;
        }
        out[tcp + 13] = (byte) flags;
        int tcpLength = length - checksumStart;
        putU16(out, tcp + 16, 0);
        long sum = sum(out, tcp, tcpLength, tcpPseudoHeaderSum(out, off, gsoType == GSO_TCPV4, tcpLength));
        putU16(out, tcp + 16, ~fold(sum));
        advance(payload, last);
        return length;
    }

    private void advance(int payload, boolean last) {
        nextOffset = last ? -1 : nextOffset + payload;
        segmentIndex++;
    }

    /** The header's fields are in the machine's byte order: little-endian on the machines the sidecar runs on. */
    private int u16le(int at) {
        return (read[at] & 0xff) | (read[at + 1] & 0xff) << 8;
    }

    /**
     * The one's-complement sum of {@code length} bytes as big-endian 16-bit words (RFC 1071), added to {@code sum}; not
     * yet folded. Eight bytes are read at a time and their two 32-bit halves added: 2^16 is 1 modulo 0xffff, so they
     * fold to the same sum (RFC 1071 2(C)), and 64 KB of them stay far below 2^63.
     */
    static long sum(byte[] bytes, int off, int length, long sum) {
        int end = off + length;
        int i = off;
        for (; i + 8 <= end; i += 8) {
            long words = (long) BIG_ENDIAN_LONG.get(bytes, i);
            sum += (words >>> 32) + (words & 0xffffffffL);
        }
        for (; i + 1 < end; i += 2) {
            sum += (bytes[i] & 0xff) << 8 | (bytes[i + 1] & 0xff);
        }
        if (i < end) {
            sum += (bytes[i] & 0xff) << 8;
        }
        return sum;
    }

    /** The sum of the TCP pseudo-header of the IP packet at {@code ip}: its addresses, the protocol and the TCP length. */
    static long tcpPseudoHeaderSum(byte[] bytes, int ip, boolean ipv4, int tcpLength) {
        long addresses = ipv4 ? sum(bytes, ip + 12, 8, 0) : sum(bytes, ip + 8, 32, 0);
        return addresses + IPPROTO_TCP + tcpLength;
    }

    /** The sum folded to 16 bits. */
    static int fold(long sum) {
        while (sum >>> 16 != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) sum;
    }

    static int u16(byte[] bytes, int at) {
        return (bytes[at] & 0xff) << 8 | (bytes[at + 1] & 0xff);
    }

    static void putU16(byte[] bytes, int at, int value) {
        bytes[at] = (byte) (value >>> 8);
        bytes[at + 1] = (byte) value;
    }
}
