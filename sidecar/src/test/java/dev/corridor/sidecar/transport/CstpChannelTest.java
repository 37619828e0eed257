package dev.corridor.sidecar.transport;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.corridor.sidecar.protocol.ProtocolException;
import dev.corridor.sidecar.protocol.cstp.CstpFraming;
import dev.corridor.sidecar.protocol.cstp.PacketType;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Decoding the CSTP stream as it arrives from TLS: frames split across reads, many in one read, malformed ones. */
class CstpChannelTest {

    record Packet(PacketType type, byte[] payload) {}

    @Test
    void decodesFramesThatArriveAFewBytesAtATime() throws Exception {
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        stream.writeBytes(frame(PacketType.DATA, payload(1400, 1)));
        stream.writeBytes(frame(PacketType.DPD_REQUEST, new byte[0]));
        stream.writeBytes(frame(PacketType.DATA, payload(CstpFraming.MAX_PAYLOAD, 7)));
        stream.writeBytes(frame(PacketType.KEEPALIVE, new byte[0]));

        List<Packet> packets = receiveAll(stream.toByteArray(), 3);

        assertThat(packets)
                .extracting(Packet::type)
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
        List<Packet> packets = receiveAll(stream.toByteArray(), Integer.MAX_VALUE);
        assertThat(packets).hasSize(100);
        assertThat(packets.get(99).payload()).isEqualTo(payload(999, 99));
    }

    @Test
    void aTruncatedFrameIsAnErrorNotACleanEnd() {
        byte[] cut = Arrays.copyOf(frame(PacketType.DATA, payload(100, 3)), 50);
        assertThatThrownBy(() -> receiveAll(cut, 16))
                .isInstanceOf(EOFException.class)
                .hasMessageContaining("in the middle of a frame");
    }

    @Test
    void aBadMagicEndsTheStream() {
        byte[] garbage = "HTTP/1.1 200 OK\r\n\r\n".getBytes(UTF_8);
        assertThatThrownBy(() -> receiveAll(garbage, 16))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("bad CSTP frame");
    }

    /**
     * A gateway that sends DPD requests but no longer reads would have the answers queue up without end; the queue
     * holds a bounded number of control frames and refuses the rest.
     */
    @Test
    void controlFramesWaitingForTheSocketAreBounded() throws Exception {
        CstpChannel channel = new CstpChannel(
                null, new InboundBuffer(new TricklingPlaintext(new byte[0], 1), TlsConnection.BUFFER_SIZE));
        for (int i = 0; i < CstpChannel.MAX_QUEUED_CONTROL; i++) {
            assertThat(channel.queueControl(PacketType.DPD_RESPONSE, payload(1400, i)))
                    .isTrue();
        }
        assertThat(channel.queueControl(PacketType.KEEPALIVE, new byte[0]))
                .as("one more, from the timer")
                .isFalse();
        assertThat(channel.sendControl(PacketType.DPD_RESPONSE, payload(1400, 0)))
                .as("one more, from the data thread")
                .isFalse();
    }

    /** Delivers {@code bytes} to a channel at most {@code step} bytes per read, as TLS records may split them. */
    private static List<Packet> receiveAll(byte[] bytes, int step) throws Exception {
        TricklingPlaintext source = new TricklingPlaintext(bytes, step);
        CstpChannel channel = new CstpChannel(null, new InboundBuffer(source, TlsConnection.BUFFER_SIZE));
        List<Packet> packets = new ArrayList<>();
        try {
            while (true) {
                channel.receivePending(
                        (type, code, buf, off, len) ->
                                packets.add(new Packet(type, Arrays.copyOfRange(buf, off, off + len))),
                        8);
            }
        } catch (EOFException e) {
            if (e.getMessage().contains("middle")) {
                throw e;
            }
            return packets; // the stream ended cleanly between frames
        }
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
}
