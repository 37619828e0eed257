package dev.corridor.sidecar.os;

import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * Packets on their way to a {@link PacketDevice}, written together: laid out one after another in one array, each with
 * {@link #HEADROOM} free bytes in front for the header the device puts there (the offset of wireguard-go's
 * {@code tun.Device.Write}). The device marks the packets the kernel refused, and keeps the first refusal's reason.
 * Reused batch after batch ({@link #clear}); one thread uses it.
 */
public final class PacketBatch {
    /** Room in front of each packet: a tun device's virtio_net_hdr. */
    public static final int HEADROOM = OffloadedPackets.HEADER_LENGTH;

    private final byte[] bytes;
    private final int[] offsets;
    private final int[] lengths;
    private final boolean[] refused;
    private int size;
    private int end;
    private OsException refusal;

    /**
     * @param maxPackets how many packets it holds
     * @param maxBytes   how many bytes they take, with their headroom; the largest packet it will ever be given must
     *                   fit an empty batch
     */
    public PacketBatch(int maxPackets, int maxBytes) {
        this.bytes = new byte[maxBytes];
        this.offsets = new int[maxPackets];
        this.lengths = new int[maxPackets];
        this.refused = new boolean[maxPackets];
    }

    /**
     * Copies a packet in after the others. Returns false, taking nothing, when the batch is full: write it, clear it,
     * and add again.
     *
     * @throws IllegalArgumentException if the packet would not fit even an empty batch
     */
    public boolean add(byte[] buf, int off, int len) {
        Objects.checkFromIndexSize(off, len, buf.length);
        if (HEADROOM + len > bytes.length) {
            throw new IllegalArgumentException(
                    "a " + len + "-byte packet does not fit a batch of " + bytes.length + " bytes");
        }
        if (size == offsets.length || end + HEADROOM + len > bytes.length) {
            return false;
        }
        int at = end + HEADROOM;
        System.arraycopy(buf, off, bytes, at, len);
        offsets[size] = at;
        lengths[size] = len;
        refused[size] = false;
        size++;
        end = at + len;
        return true;
    }

    /** How many packets it holds. */
    public int size() {
        return size;
    }

    /** The length of packet {@code i}. */
    public int length(int i) {
        Objects.checkIndex(i, size);
        return lengths[i];
    }

    /** A copy of packet {@code i}. */
    public byte[] packet(int i) {
        Objects.checkIndex(i, size);
        return Arrays.copyOfRange(bytes, offsets[i], offsets[i] + lengths[i]);
    }

    /** Whether the kernel refused packet {@code i} when the batch was written. */
    public boolean refused(int i) {
        Objects.checkIndex(i, size);
        return refused[i];
    }

    /** Why the kernel refused the first packet it refused, if it refused any. */
    public Optional<OsException> refusal() {
        return Optional.ofNullable(refusal);
    }

    /** Empties the batch for the next one. */
    public void clear() {
        size = 0;
        end = 0;
        refusal = null;
    }

    int capacity() {
        return offsets.length;
    }

    byte[] bytes() {
        return bytes;
    }

    /** Where packet {@code i} starts in {@link #bytes()}; {@link #HEADROOM} bytes before it are free. */
    int offset(int i) {
        return offsets[i];
    }

    void refuse(int i, OsException why) {
        refused[i] = true;
        if (refusal == null) {
            refusal = why;
        }
    }
}
