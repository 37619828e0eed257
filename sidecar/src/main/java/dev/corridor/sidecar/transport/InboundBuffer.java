package dev.corridor.sidecar.transport;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The one buffer every byte from the gateway passes through after decryption: the HTTP replies and then, without
 * a gap, the CSTP stream (the CONNECT reply has no Content-Length and frames may follow it in the same record).
 */
final class InboundBuffer {
    private final PlaintextSource source;
    final byte[] bytes;
    private final ByteBuffer view;
    int position;
    int limit;

    InboundBuffer(PlaintextSource source, int capacity) {
        this.source = source;
        this.bytes = new byte[capacity];
        this.view = ByteBuffer.wrap(bytes);
    }

    int available() {
        return limit - position;
    }

    /** Reads more, waiting until {@code deadline}; false at the end of the stream. */
    boolean fillBlocking(long deadline) throws IOException {
        prepareRoom();
        int read = source.readBlocking(view, deadline);
        return advance(read);
    }

    /** Reads what has arrived without waiting: the byte count (0: none), or -1 at the end of the stream. */
    int fillAvailable() throws IOException {
        prepareRoom();
        int read = source.readAvailable(view);
        advance(read);
        return read;
    }

    /** The offset of the first {@code \r\n\r\n} in the buffered bytes, or -1. */
    int indexOfBlankLine() {
        for (int i = position; i + 3 < limit; i++) {
            if (bytes[i] == '\r' && bytes[i + 1] == '\n' && bytes[i + 2] == '\r' && bytes[i + 3] == '\n') {
                return i;
            }
        }
        return -1;
    }

    void skip(int count) {
        position += count;
        if (position == limit) {
            position = 0;
            limit = 0;
        }
    }

    /** Makes room at the end for one record's plaintext, moving what is buffered to the front when needed. */
    private void prepareRoom() {
        if (bytes.length - limit < source.applicationBufferSize() && position > 0) {
            int remaining = limit - position;
            System.arraycopy(bytes, position, bytes, 0, remaining);
            position = 0;
            limit = remaining;
        }
        if (bytes.length - limit < source.applicationBufferSize()) {
            throw new IllegalStateException("the inbound buffer is full");
        }
        view.limit(bytes.length).position(limit);
    }

    private boolean advance(int read) {
        if (read < 0) {
            return false;
        }
        limit = view.position();
        return true;
    }
}
