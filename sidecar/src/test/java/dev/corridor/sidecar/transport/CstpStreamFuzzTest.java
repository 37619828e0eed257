package dev.corridor.sidecar.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.corridor.sidecar.protocol.ProtocolException;
import dev.corridor.sidecar.protocol.cstp.CstpFraming;
import dev.corridor.sidecar.protocol.cstp.PacketType;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.util.Arrays;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes the CSTP decoder (the inbound buffer, {@link CstpFraming} and {@link CstpChannel#receivePending}) with
 * whatever a gateway could send after {@code CONNECT}. Seeds: frames as ocserv 1.1.6 frames them.
 */
class CstpStreamFuzzTest {
    /** How the decoder ended: a frame error, or the end of the stream between frames or inside one. */
    private record Decoded(byte[] frames, String end) {}

    /**
     * Every stream decodes into frames, then ends with a {@link ProtocolException} or an {@link EOFException}: never
     * another exception, a hang or a frame beyond a TLS record. The frames are exactly the stream's bytes, however the
     * TLS records split them.
     */
    @Timeout(10)
    @FuzzTest
    void decodesEveryStreamIntoFramesOrAProtocolError(byte[] stream) throws Exception {
        Decoded whole = decode(stream, stream.length + 1);
        Decoded trickled = decode(stream, 3);

        assertThat(whole.frames()).isEqualTo(Arrays.copyOf(stream, whole.frames().length));
        assertThat(trickled.frames()).isEqualTo(whole.frames());
        assertThat(trickled.end()).isEqualTo(whole.end());
    }

    private static Decoded decode(byte[] stream, int bytesPerRead) throws Exception {
        CstpChannel channel = new CstpChannel(
                null, new InboundBuffer(new TricklingPlaintext(stream, bytesPerRead), TlsConnection.BUFFER_SIZE));
        ByteArrayOutputStream frames = new ByteArrayOutputStream();
        PacketReceiver reencode = (type, typeCode, buf, off, len) -> {
            assertThat(len).isBetween(0, CstpFraming.MAX_PAYLOAD);
            assertThat(type).isEqualTo(PacketType.of(typeCode));
            frames.write(new byte[] {'S', 'T', 'F', 1, (byte) (len >>> 8), (byte) len, (byte) typeCode, 0});
            frames.write(buf, off, len);
        };
        try {
            while (true) {
                channel.receivePending(reencode, 4);
            }
        } catch (ProtocolException | EOFException e) {
            return new Decoded(frames.toByteArray(), e.getMessage());
        }
    }
}
