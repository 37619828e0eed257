package dev.corridor.sidecar.protocol.cstp;

import dev.corridor.sidecar.protocol.ProtocolException;

/**
 * CSTP framing over TLS, as ocserv and openconnect speak it: {@code 'S' 'T' 'F' 0x01}, a big-endian 16-bit
 * payload length (the header not counted), the packet type, and a zero byte; then the payload.
 * Each frame must travel in a TLS record of its own, so callers write header and payload in one call.
 */
public final class CstpFraming {
    public static final int HEADER_LENGTH = 8;
    /** A frame must fit one TLS record (2^14 bytes), header included. */
    public static final int MAX_PAYLOAD = 16384 - HEADER_LENGTH;

    private static final byte[] MAGIC = {'S', 'T', 'F', 1};

    private CstpFraming() {}

    /** Writes a header for a payload of {@code payloadLength} bytes into {@code buf[off..off+8)}. */
    public static void writeHeader(byte[] buf, int off, PacketType type, int payloadLength) {
        if (payloadLength < 0 || payloadLength > MAX_PAYLOAD) {
            throw new IllegalArgumentException("CSTP payload of " + payloadLength + " bytes does not fit a frame");
        }
        buf[off] = MAGIC[0];
        buf[off + 1] = MAGIC[1];
        buf[off + 2] = MAGIC[2];
        buf[off + 3] = MAGIC[3];
        buf[off + 4] = (byte) (payloadLength >>> 8);
        buf[off + 5] = (byte) payloadLength;
        buf[off + 6] = (byte) type.code();
        buf[off + 7] = 0;
    }

    /**
     * Validates the header at {@code buf[off..off+8)} and returns its payload length.
     *
     * @throws ProtocolException when the magic or the reserved byte is wrong, or the length exceeds a TLS record
     */
    public static int payloadLength(byte[] buf, int off) throws ProtocolException {
        for (int i = 0; i < MAGIC.length; i++) {
            if (buf[off + i] != MAGIC[i]) {
                throw new ProtocolException(String.format(
                        "bad CSTP frame: header starts %02x %02x %02x %02x, expected 53 54 46 01",
                        buf[off], buf[off + 1], buf[off + 2], buf[off + 3]));
            }
        }
        if (buf[off + 7] != 0) {
            throw new ProtocolException(
                    String.format("bad CSTP frame: reserved byte is %02x, expected 00", buf[off + 7]));
        }
        int length = (buf[off + 4] & 0xff) << 8 | (buf[off + 5] & 0xff);
        if (length > MAX_PAYLOAD) {
            throw new ProtocolException("bad CSTP frame: payload length " + length + " exceeds the " + MAX_PAYLOAD
                    + " bytes a TLS record can carry");
        }
        return length;
    }

    /** The type code of the header at {@code off} (see {@link PacketType#of(int)}). */
    public static int typeCode(byte[] buf, int off) {
        return buf[off + 6] & 0xff;
    }
}
