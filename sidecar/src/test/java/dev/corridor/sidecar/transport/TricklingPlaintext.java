package dev.corridor.sidecar.transport;

import java.nio.ByteBuffer;

/** Plaintext as TLS records may split it: at most {@code step} bytes per read; the end of the stream after the last byte. */
final class TricklingPlaintext implements PlaintextSource {
    private final byte[] bytes;
    private final int step;
    private int at;

    TricklingPlaintext(byte[] bytes, int step) {
        this.bytes = bytes;
        this.step = step;
    }

    @Override
    public int readBlocking(ByteBuffer dst, long deadline) {
        return readAvailable(dst);
    }

    @Override
    public int readAvailable(ByteBuffer dst) {
        if (at == bytes.length) {
            return -1;
        }
        int n = Math.min(Math.min(step, bytes.length - at), dst.remaining());
        dst.put(bytes, at, n);
        at += n;
        return n;
    }

    @Override
    public int applicationBufferSize() {
        return 16 * 1024 + 256;
    }
}
