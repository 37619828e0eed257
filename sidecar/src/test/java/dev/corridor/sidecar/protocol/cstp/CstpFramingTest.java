package dev.corridor.sidecar.protocol.cstp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.corridor.sidecar.protocol.ProtocolException;
import org.junit.jupiter.api.Test;

class CstpFramingTest {

    @Test
    void writesTheEightByteHeaderOpenconnectAndOcservUse() {
        byte[] buf = new byte[8];
        CstpFraming.writeHeader(buf, 0, PacketType.DATA, 0x0584);
        assertThat(buf).containsExactly(0x53, 0x54, 0x46, 0x01, 0x05, 0x84, 0x00, 0x00);

        CstpFraming.writeHeader(buf, 0, PacketType.DPD_REQUEST, 0);
        assertThat(buf).containsExactly(0x53, 0x54, 0x46, 0x01, 0x00, 0x00, 0x03, 0x00);
    }

    @Test
    void readsBackWhatItWrites() throws ProtocolException {
        byte[] buf = new byte[20];
        CstpFraming.writeHeader(buf, 4, PacketType.DISCONNECT, CstpFraming.MAX_PAYLOAD);
        assertThat(CstpFraming.payloadLength(buf, 4)).isEqualTo(CstpFraming.MAX_PAYLOAD);
        assertThat(PacketType.of(CstpFraming.typeCode(buf, 4))).isEqualTo(PacketType.DISCONNECT);
    }

    @Test
    void refusesABadMagic() {
        byte[] buf = {0x02, 0x00, 0x10, 0x00, 0, 0, 0, 0};
        assertThatThrownBy(() -> CstpFraming.payloadLength(buf, 0))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("header starts 02 00 10 00, expected 53 54 46 01");
    }

    @Test
    void refusesANonZeroReservedByte() {
        byte[] buf = {0x53, 0x54, 0x46, 0x01, 0, 4, 0, 1};
        assertThatThrownBy(() -> CstpFraming.payloadLength(buf, 0)).hasMessageContaining("reserved byte is 01");
    }

    @Test
    void refusesALengthBeyondATlsRecord() {
        byte[] buf = {0x53, 0x54, 0x46, 0x01, (byte) 0xff, (byte) 0xff, 0, 0};
        assertThatThrownBy(() -> CstpFraming.payloadLength(buf, 0))
                .hasMessageContaining("payload length 65535 exceeds");
    }

    @Test
    void refusesToFrameAnOversizedPayload() {
        assertThatThrownBy(() -> CstpFraming.writeHeader(new byte[8], 0, PacketType.DATA, CstpFraming.MAX_PAYLOAD + 1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void knowsEveryTypeAndNothingElse() {
        assertThat(PacketType.of(0)).isEqualTo(PacketType.DATA);
        assertThat(PacketType.of(7)).isEqualTo(PacketType.KEEPALIVE);
        assertThat(PacketType.of(9)).isEqualTo(PacketType.TERMINATE);
        assertThat(PacketType.of(1)).isNull();
        assertThat(PacketType.of(0xff)).isNull();
    }
}
