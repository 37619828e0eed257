package dev.corridor.sidecar.transport;

import dev.corridor.sidecar.protocol.cstp.CstpFraming;
import dev.corridor.sidecar.protocol.cstp.PacketType;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;

/**
 * The CSTP channel: AnyConnect packets framed over the TLS connection that carried {@code CONNECT}.
 * Every frame goes out in a single write, which JSSE turns into a single TLS record, as ocserv requires;
 * JSSE serialises concurrent writers per record, so the data pump and the keepalive timer can both send.
 */
public final class CstpChannel implements Closeable {
    private final Closeable connection;
    private final InboundBuffer in;
    private final OutputStream out;

    CstpChannel(Closeable connection, InboundBuffer in, OutputStream out) {
        this.connection = connection;
        this.in = in;
        this.out = out;
    }

    /**
     * Sends one DATA packet without copying it: the packet is at {@code buf[off..off+len)} and the
     * {@link CstpFraming#HEADER_LENGTH} bytes before {@code off} are free for the header.
     */
    public void sendData(byte[] buf, int off, int len) throws IOException {
        int start = off - CstpFraming.HEADER_LENGTH;
        CstpFraming.writeHeader(buf, start, PacketType.DATA, len);
        out.write(buf, start, len + CstpFraming.HEADER_LENGTH);
    }

    /** Sends a control packet (DPD, keepalive, disconnect). Rare, so it may allocate. */
    public void sendControl(PacketType type, byte[] payload) throws IOException {
        byte[] frame = new byte[CstpFraming.HEADER_LENGTH + payload.length];
        CstpFraming.writeHeader(frame, 0, type, payload.length);
        System.arraycopy(payload, 0, frame, CstpFraming.HEADER_LENGTH, payload.length);
        out.write(frame);
    }

    /**
     * Delivers packets until the connection ends: returns normally when the gateway closes it cleanly,
     * throws when it breaks or sends a malformed frame.
     */
    public void receive(PacketReceiver receiver) throws IOException {
        while (true) {
            if (in.available() < CstpFraming.HEADER_LENGTH) {
                if (in.available() == 0 && !in.fill()) {
                    return;
                }
                in.require(CstpFraming.HEADER_LENGTH);
            }
            int length = CstpFraming.payloadLength(in.bytes, in.position);
            in.require(CstpFraming.HEADER_LENGTH + length);
            int typeCode = CstpFraming.typeCode(in.bytes, in.position);
            receiver.onPacket(PacketType.of(typeCode), typeCode, in.bytes, in.position + CstpFraming.HEADER_LENGTH, length);
            in.skip(CstpFraming.HEADER_LENGTH + length);
        }
    }

    @Override
    public void close() throws IOException {
        connection.close();
    }
}
