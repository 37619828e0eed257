package dev.corridor.sidecar.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.corridor.sidecar.protocol.ProtocolException;
import dev.corridor.sidecar.protocol.cstp.CstpFraming;
import dev.corridor.sidecar.protocol.cstp.PacketType;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class CstpChannelTest {

    record Packet(PacketType type, byte[] payload) {
    }

    @Test
    void decodesFramesThatArriveAFewBytesAtATime() throws Exception {
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        stream.writeBytes(frame(PacketType.DATA, payload(1400, 1)));
        stream.writeBytes(frame(PacketType.DPD_REQUEST, new byte[0]));
        stream.writeBytes(frame(PacketType.DATA, payload(CstpFraming.MAX_PAYLOAD, 7)));
        stream.writeBytes(frame(PacketType.KEEPALIVE, new byte[0]));

        List<Packet> packets = receiveAll(new Trickle(stream.toByteArray(), 3));

        assertThat(packets).extracting(Packet::type)
                .containsExactly(PacketType.DATA, PacketType.DPD_REQUEST, PacketType.DATA, PacketType.KEEPALIVE);
        assertThat(packets.get(0).payload()).isEqualTo(payload(1400, 1));
        assertThat(packets.get(2).payload()).isEqualTo(payload(CstpFraming.MAX_PAYLOAD, 7));
    }

    @Test
    void decodesManyFramesDeliveredInOneRead() throws Exception {
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        for (int i = 0; i < 100; i++) {
            stream.writeBytes(frame(PacketType.DATA, payload(900 + i, i)));
        }
        List<Packet> packets = receiveAll(new ByteArrayInputStream(stream.toByteArray()));
        assertThat(packets).hasSize(100);
        assertThat(packets.get(99).payload()).isEqualTo(payload(999, 99));
    }

    @Test
    void aTruncatedFrameIsAnErrorNotACleanEnd() {
        byte[] whole = frame(PacketType.DATA, payload(100, 3));
        byte[] cut = Arrays.copyOf(whole, 50);
        assertThatThrownBy(() -> receiveAll(new ByteArrayInputStream(cut))).isInstanceOf(EOFException.class);
    }

    @Test
    void aBadMagicEndsTheStream() {
        byte[] garbage = "HTTP/1.1 200 OK\r\n\r\n".getBytes();
        assertThatThrownBy(() -> receiveAll(new ByteArrayInputStream(garbage)))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("bad CSTP frame");
    }

    @Test
    void sendsDataInPlaceAsOneWrite() throws Exception {
        CountingOutput out = new CountingOutput();
        CstpChannel channel = new CstpChannel(() -> { }, new InboundBuffer(InputStream.nullInputStream(), 64), out);
        byte[] buf = new byte[CstpFraming.HEADER_LENGTH + 4];
        System.arraycopy(new byte[] {0x45, 1, 2, 3}, 0, buf, CstpFraming.HEADER_LENGTH, 4);

        channel.sendData(buf, CstpFraming.HEADER_LENGTH, 4);

        assertThat(out.writes).isEqualTo(1);
        assertThat(out.toByteArray()).containsExactly(0x53, 0x54, 0x46, 0x01, 0, 4, 0, 0, 0x45, 1, 2, 3);
    }

    private static List<Packet> receiveAll(InputStream in) throws Exception {
        List<Packet> packets = new ArrayList<>();
        CstpChannel channel = new CstpChannel(() -> { }, new InboundBuffer(in, TlsConnection.BUFFER_SIZE), java.io.OutputStream.nullOutputStream());
        channel.receive((type, code, buf, off, len) -> packets.add(new Packet(type, Arrays.copyOfRange(buf, off, off + len))));
        return packets;
    }

    static byte[] frame(PacketType type, byte[] payload) {
        byte[] frame = new byte[CstpFraming.HEADER_LENGTH + payload.length];
        CstpFraming.writeHeader(frame, 0, type, payload.length);
        System.arraycopy(payload, 0, frame, CstpFraming.HEADER_LENGTH, payload.length);
        return frame;
    }

    static byte[] payload(int length, int seed) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (i * 31 + seed);
        }
        return bytes;
    }

    /** Hands out at most {@code step} bytes per read, as a slow TLS stream may. */
    static final class Trickle extends ByteArrayInputStream {
        private final int step;

        Trickle(byte[] bytes, int step) {
            super(bytes);
            this.step = step;
        }

        @Override
        public synchronized int read(byte[] b, int off, int len) {
            return super.read(b, off, Math.min(len, step));
        }
    }

    static final class CountingOutput extends ByteArrayOutputStream {
        int writes;

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            writes++;
            super.write(b, off, len);
        }
    }
}
