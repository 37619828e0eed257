package dev.corridor.sidecar.transport;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * The one buffer every byte from the gateway passes through: the HTTP replies and then, without a gap,
 * the CSTP stream (the CONNECT reply has no Content-Length and frames may follow it in the same record).
 */
final class InboundBuffer {
    private final InputStream in;
    final byte[] bytes;
    int position;
    int limit;

    InboundBuffer(InputStream in, int capacity) {
        this.in = in;
        this.bytes = new byte[capacity];
    }

    int available() {
        return limit - position;
    }

    /** Buffers at least {@code count} bytes, reading as needed. */
    void require(int count) throws IOException {
        if (count > bytes.length) {
            throw new IllegalArgumentException(count + " bytes do not fit a " + bytes.length + "-byte buffer");
        }
        if (bytes.length - position < count) {
            compact();
        }
        while (limit - position < count) {
            if (!fill()) {
                throw new EOFException("the gateway closed the connection");
            }
        }
    }

    /** Reads once more into free space; false at end of stream. Compacts when the buffer is full. */
    boolean fill() throws IOException {
        if (limit == bytes.length) {
            compact();
            if (limit == bytes.length) {
                throw new IllegalStateException("buffer full");
            }
        }
        int read = in.read(bytes, limit, bytes.length - limit);
        if (read < 0) {
            return false;
        }
        limit += read;
        return true;
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

    private void compact() {
        int remaining = limit - position;
        System.arraycopy(bytes, position, bytes, 0, remaining);
        position = 0;
        limit = remaining;
    }
}
