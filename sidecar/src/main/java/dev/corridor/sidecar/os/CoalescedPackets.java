package dev.corridor.sidecar.os;

import static dev.corridor.sidecar.os.OffloadedPackets.fold;
import static dev.corridor.sidecar.os.OffloadedPackets.putU16;
import static dev.corridor.sidecar.os.OffloadedPackets.sum;
import static dev.corridor.sidecar.os.OffloadedPackets.tcpPseudoHeaderSum;
import static dev.corridor.sidecar.os.OffloadedPackets.u16;

import java.util.Arrays;

/**
 * The way into the pod for TCP, as the kernel's GRO and wireguard-go's {@code tun/offload_linux.go} do it: of the
 * packets written together, consecutive segments of one TCP flow go to the tun device as one segment of up to 64 KB
 * (virtio_net_hdr with gso_type TCPV4 or TCPV6 and the checksum left open), which the pod's TCP takes in one pass
 * instead of one per packet. {@link OffloadedPackets} is the way out.
 *
 * <p>A packet joins the latest group of its flow only where the kernel's own GRO would merge it (tcp_gro_receive):
 * IPv4 without options or fragmentation, IPv6 without extension headers; the same TOS or traffic class and flow
 * label, TTL or hop limit, and DF; the same TCP header length, options, acknowledgement and window; ACK alone or ACK
 * with PSH; data that starts where the group's ends, no more than the group's segment size, and a whole no larger
 * than 64 KB. A segment shorter than the group's, or one with PSH, ends the group. Checksums are checked before
 * merging, because the kernel does not check a segment whose checksum was left open to it. Every other packet is
 * written as it came, and groups go out in the order their first packets came, so that no flow is reordered.
 *
 * <p>Only the device's writing thread uses it.
 */
final class CoalescedPackets {
    /** Writes one frame, a virtio_net_hdr and a packet, to the device. */
    @FunctionalInterface
    interface FrameWriter {
        /**
         * @return null when the kernel took the frame, otherwise why it refused it
         * @throws OsException when the device cannot be written at all (it was closed)
         */
        OsException write(byte[] frame, int off, int len) throws OsException;
    }

    /** The largest IP packet, and so the largest merged segment. */
    private static final int MAX_PACKET = 65535;

    private static final int TCP_PSH = 0x08;
    private static final int TCP_ACK = 0x10;
    private static final int IPPROTO_TCP = 6;
    private static final int IPPROTO_UDP = 17;
    private static final int IPPROTO_ICMPV6 = 58;
    /** IPv4's MF flag and fragment offset. */
    private static final int FRAGMENTED = 0x3fff;

    private static final int IPV4_DF = 0x40;

    private final byte[] frame = new byte[OffloadedPackets.HEADER_LENGTH + MAX_PACKET];

    // Per packet: the next packet of its group (-1: the last). Per group, in the order the groups started: the first
    // packet, the last packet, where the TCP header starts (-1: no TCP), the segment size, the next sequence number
    // expected, the length so far, and whether the group takes more.
    private int[] nextInGroup = new int[0];
    private int[] first = new int[0];
    private int[] last = new int[0];
    private int[] tcpOffset = new int[0];
    private int[] segmentSize = new int[0];
    private long[] nextSequence = new long[0];
    private int[] length = new int[0];
    private boolean[] open = new boolean[0];
    private int groups;

    /**
     * Writes the batch's packets, each group of segments as one frame when {@code coalesce} (the device took the
     * offloads), each packet alone otherwise; marks the packets of every frame the kernel refused.
     */
    void write(PacketBatch batch, boolean coalesce, FrameWriter device) throws OsException {
        group(batch, coalesce);
        for (int g = 0; g < groups; g++) {
            OsException refused =
                    first[g] == last[g] ? writeAlone(batch, first[g], device) : writeMerged(batch, g, device);
            if (refused != null) {
                for (int p = first[g]; p >= 0; p = nextInGroup[p]) {
                    batch.refuse(p, refused);
                }
            }
        }
    }

    private void group(PacketBatch batch, boolean coalesce) {
        ensureCapacity(batch.capacity());
        groups = 0;
        byte[] b = batch.bytes();
        for (int p = 0; p < batch.size(); p++) {
            nextInGroup[p] = -1;
            int at = batch.offset(p);
            int len = batch.length(p);
            int tcp = coalesce ? tcpHeaderAt(b, at, len) : -1;
            boolean mergeable = tcp >= 0 && mergeable(b, at, len, tcp);
            if (mergeable && joinLatestOfFlow(batch, p, tcp)) {
                continue;
            }
            if (coalesce && tcp < 0 && mayCarryTcp(b, at, len)) {
                closeAll(); // TCP this cannot tell the flow of: nothing that came before may overtake it
            }
            start(b, p, at, len, tcp, mergeable);
        }
    }

    /**
     * Where the TCP header starts in an IPv4 packet without options or fragmentation or an IPv6 packet without
     * extension headers that carries TCP, its lengths consistent; -1 for every other packet.
     */
    private static int tcpHeaderAt(byte[] b, int at, int len) {
        int tcp;
        if (len >= 40 && (b[at] & 0xff) == 0x45) {
            if (u16(b, at + 2) != len || (u16(b, at + 6) & FRAGMENTED) != 0 || b[at + 9] != IPPROTO_TCP) {
                return -1;
            }
            tcp = at + 20;
        } else if (len >= 60 && (b[at] & 0xf0) == 0x60) {
            if (u16(b, at + 4) + 40 != len || b[at + 6] != IPPROTO_TCP) {
                return -1;
            }
            tcp = at + 40;
        } else {
            return -1;
        }
        int headerLength = tcpHeaderLength(b, tcp);
        return headerLength >= 20 && tcp + headerLength <= at + len ? tcp : -1;
    }

    /** Whether a packet {@link #tcpHeaderAt} finds no TCP header in may still carry TCP (options, fragments, extension headers). */
    private static boolean mayCarryTcp(byte[] b, int at, int len) {
        if (len >= 20 && (b[at] & 0xf0) == 0x40) {
            return b[at + 9] == IPPROTO_TCP;
        }
        return len >= 40 && (b[at] & 0xf0) == 0x60 && b[at + 6] != IPPROTO_UDP && b[at + 6] != IPPROTO_ICMPV6;
    }

    /** A data segment with only ACK (and PSH), with valid checksums. */
    private static boolean mergeable(byte[] b, int at, int len, int tcp) {
        int tcpLength = at + len - tcp;
        int flags = b[tcp + 13] & 0xff;
        boolean plainData = (b[tcp + 12] & 0x0f) == 0 && (flags == TCP_ACK || flags == (TCP_ACK | TCP_PSH));
        if (!plainData || tcpHeaderLength(b, tcp) >= tcpLength) {
            return false;
        }
        boolean ipv4 = tcp - at == 20;
        if (ipv4 && fold(sum(b, at, 20, 0)) != 0xffff) {
            return false;
        }
        return fold(sum(b, tcp, tcpLength, tcpPseudoHeaderSum(b, at, ipv4, tcpLength))) == 0xffff;
    }

    /** Appends the segment to its flow's latest group if it may join it; false when it starts a group of its own. */
    private boolean joinLatestOfFlow(PacketBatch batch, int p, int tcp) {
        byte[] b = batch.bytes();
        int at = batch.offset(p);
        for (int g = groups - 1; g >= 0; g--) {
            int headAt = batch.offset(first[g]);
            if (tcpOffset[g] < 0 || !sameFlow(b, at, tcp, headAt, tcpOffset[g])) {
                continue;
            }
            int headerLength = tcpHeaderLength(b, tcp);
            int payload = at + batch.length(p) - tcp - headerLength;
            if (!open[g]
                    || sequence(b, tcp) != nextSequence[g]
                    || payload > segmentSize[g]
                    || length[g] + payload > MAX_PACKET
                    || !sameHeaders(b, at, tcp, headAt, tcpOffset[g], headerLength)) {
                return false;
            }
            nextInGroup[last[g]] = p;
            last[g] = p;
            length[g] += payload;
            nextSequence[g] = (nextSequence[g] + payload) & 0xffffffffL;
            open[g] = payload == segmentSize[g] && (b[tcp + 13] & TCP_PSH) == 0;
            return true;
        }
        return false;
    }

    /** Starts a group with packet {@code p}; only a mergeable segment leaves it open. */
    private void start(byte[] b, int p, int at, int len, int tcp, boolean mergeable) {
        int g = groups++;
        first[g] = p;
        last[g] = p;
        tcpOffset[g] = tcp;
        length[g] = len;
        open[g] = false;
        if (mergeable) {
            int payload = at + len - tcp - tcpHeaderLength(b, tcp);
            segmentSize[g] = payload;
            nextSequence[g] = (sequence(b, tcp) + payload) & 0xffffffffL;
            open[g] = (b[tcp + 13] & TCP_PSH) == 0;
        }
    }

    private void closeAll() {
        Arrays.fill(open, 0, groups, false);
    }

    /** Same addresses and ports as the packet at {@code headAt}, whose TCP header is at {@code head}. */
    private static boolean sameFlow(byte[] b, int at, int tcp, int headAt, int head) {
        if (tcp - at != head - headAt) {
            return false;
        }
        boolean ipv4 = tcp - at == 20;
        int addresses = ipv4 ? 12 : 8;
        int addressesLength = ipv4 ? 8 : 32;
        return equal(b, at + addresses, headAt + addresses, addressesLength) && equal(b, tcp, head, 4);
    }

    /**
     * The fields that must match for the kernel to treat the segments as one: IPv4's TOS, TTL and DF, or IPv6's
     * version, traffic class, flow label and hop limit; TCP's header length, acknowledgement, window and options.
     */
    private static boolean sameHeaders(byte[] b, int at, int tcp, int headAt, int head, int headerLength) {
        boolean ip = tcp - at == 20
                ? b[at + 1] == b[headAt + 1]
                        && b[at + 8] == b[headAt + 8]
                        && (b[at + 6] & IPV4_DF) == (b[headAt + 6] & IPV4_DF)
                : equal(b, at, headAt, 4) && b[at + 7] == b[headAt + 7];
        return ip
                && b[tcp + 12] == b[head + 12]
                && equal(b, tcp + 8, head + 8, 4)
                && equal(b, tcp + 14, head + 14, 2)
                && equal(b, tcp + 20, head + 20, headerLength - 20);
    }

    private static OsException writeAlone(PacketBatch batch, int p, FrameWriter device) throws OsException {
        int at = batch.offset(p) - OffloadedPackets.HEADER_LENGTH;
        Arrays.fill(batch.bytes(), at, batch.offset(p), (byte) 0);
        return device.write(batch.bytes(), at, OffloadedPackets.HEADER_LENGTH + batch.length(p));
    }

    /**
     * The group as one segment: the first packet's headers, every packet's data, the IP length (and IPv4 header
     * checksum) of the whole, PSH if the last had it, and the TCP checksum field holding the pseudo-header's sum for
     * the kernel to complete (CHECKSUM_PARTIAL).
     */
    private OsException writeMerged(PacketBatch batch, int g, FrameWriter device) throws OsException {
        byte[] b = batch.bytes();
        int headAt = batch.offset(first[g]);
        int ipHeaderLength = tcpOffset[g] - headAt;
        int headersLength = ipHeaderLength + tcpHeaderLength(b, tcpOffset[g]);
        int out = OffloadedPackets.HEADER_LENGTH;
        System.arraycopy(b, headAt, frame, out, batch.length(first[g]));
        int end = out + batch.length(first[g]);
        for (int p = nextInGroup[first[g]]; p >= 0; p = nextInGroup[p]) {
            int payload = batch.length(p) - headersLength;
            System.arraycopy(b, batch.offset(p) + headersLength, frame, end, payload);
            end += payload;
            if (nextInGroup[p] < 0) {
                frame[out + ipHeaderLength + 13] |= (byte) (b[batch.offset(p) + ipHeaderLength + 13] & TCP_PSH);
            }
        }
        int total = end - out;
        boolean ipv4 = ipHeaderLength == 20;
        if (ipv4) {
            putU16(frame, out + 2, total);
            putU16(frame, out + 10, 0);
            putU16(frame, out + 10, ~fold(sum(frame, out, 20, 0)));
        } else {
            putU16(frame, out + 4, total - 40);
        }
        int tcp = out + ipHeaderLength;
        putU16(frame, tcp + 16, fold(tcpPseudoHeaderSum(frame, out, ipv4, total - ipHeaderLength)));

        frame[0] = OffloadedPackets.NEEDS_CSUM;
        frame[1] = (byte) (ipv4 ? OffloadedPackets.GSO_TCPV4 : OffloadedPackets.GSO_TCPV6);
        putU16le(frame, 2, headersLength);
        putU16le(frame, 4, segmentSize[g]);
        putU16le(frame, 6, ipHeaderLength);
        putU16le(frame, 8, 16);
        return device.write(frame, 0, OffloadedPackets.HEADER_LENGTH + total);
    }

    private void ensureCapacity(int packets) {
        if (nextInGroup.length >= packets) {
            return;
        }
        nextInGroup = new int[packets];
        first = new int[packets];
        last = new int[packets];
        tcpOffset = new int[packets];
        segmentSize = new int[packets];
        nextSequence = new long[packets];
        length = new int[packets];
        open = new boolean[packets];
    }

    /** The TCP header's length, from its data offset. */
    private static int tcpHeaderLength(byte[] b, int tcp) {
        return (b[tcp + 12] >> 4 & 0x0f) * 4;
    }

    private static long sequence(byte[] b, int tcp) {
        return (long) u16(b, tcp + 4) << 16 | u16(b, tcp + 6);
    }

    private static boolean equal(byte[] b, int x, int y, int n) {
        return Arrays.equals(b, x, x + n, b, y, y + n);
    }

    private static void putU16le(byte[] b, int at, int value) {
        b[at] = (byte) value;
        b[at + 1] = (byte) (value >>> 8);
    }
}
