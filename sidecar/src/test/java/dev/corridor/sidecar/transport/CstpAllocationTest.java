package dev.corridor.sidecar.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corridor.sidecar.protocol.cstp.CstpFraming;
import dev.corridor.sidecar.protocol.cstp.PacketType;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/**
 * DEVELOPERS.md: "Our code allocates nothing per packet". CSTP has no crypto of its own (TLS is the JDK's), so its
 * framing and the decoding of the stream must allocate nothing at all: less than one byte per packet over 10 000
 * packets, where any object per packet would show as at least 16.
 */
class CstpAllocationTest {
    private static final int PACKETS = 10_000;
    private static final int SIZE = 1400;

    private long sink;

    @Test
    void framingAPacketAndReadingItsHeaderAllocateNothing() throws Exception {
        byte[] frame = new byte[CstpFraming.HEADER_LENGTH + SIZE];
        long allocated = AllocationMeter.allocatedBytes(PACKETS, () -> {
            CstpFraming.writeHeader(frame, 0, PacketType.DATA, SIZE);
            int length = CstpFraming.payloadLength(frame, 0);
            PacketType type = PacketType.of(CstpFraming.typeCode(frame, 0));
            sink += length + type.code();
        });
        assertThat(allocated).as("bytes allocated for %d packets", PACKETS).isLessThan(PACKETS);
        assertThat(sink).isEqualTo((long) (AllocationMeter.WARM_UP + PACKETS) * SIZE);
    }

    /** The channel decodes frames in place in its inbound buffer and hands them to the receiver there. */
    @Test
    void decodingFramesFromTheStreamAllocatesNothing() throws Exception {
        byte[] frame = new byte[CstpFraming.HEADER_LENGTH + SIZE];
        CstpFraming.writeHeader(frame, 0, PacketType.DATA, SIZE);
        CstpChannel channel =
                new CstpChannel(null, new InboundBuffer(new EndlessFrames(frame), TlsConnection.BUFFER_SIZE));
        PacketReceiver receiver = (type, code, buf, off, len) -> sink += len;
        long allocated = AllocationMeter.allocatedBytes(PACKETS, () -> {
            if (channel.receivePending(receiver, 1) != 1) {
                throw new AssertionError("no frame decoded");
            }
        });
        assertThat(allocated).as("bytes allocated for %d packets", PACKETS).isLessThan(PACKETS);
        assertThat(sink).isEqualTo((long) (AllocationMeter.WARM_UP + PACKETS) * SIZE);
    }

    /** The same frame again and again, a TLS record's worth per read, as the gateway sends them while data flows. */
    private static final class EndlessFrames implements PlaintextSource {
        private final byte[] frame;
        private int at;

        EndlessFrames(byte[] frame) {
            this.frame = frame;
        }

        @Override
        public int readBlocking(ByteBuffer dst, long deadline) {
            return readAvailable(dst);
        }

        @Override
        public int readAvailable(ByteBuffer dst) {
            int total = Math.min(dst.remaining(), 16 * 1024);
            for (int left = total; left > 0; ) {
                int chunk = Math.min(left, frame.length - at);
                dst.put(frame, at, chunk);
                at = (at + chunk) % frame.length;
                left -= chunk;
            }
            return total;
        }

        @Override
        public int applicationBufferSize() {
            return 16 * 1024 + 256;
        }
    }
}
