package dev.corridor.sidecar.transport;

import java.io.IOException;
import java.nio.ByteBuffer;

/** Where the gateway's plaintext comes from: the TLS stream, or a test's bytes. */
interface PlaintextSource {
    /** Puts plaintext into {@code dst} (from its position), waiting until {@code deadline}: its count, or -1 at the end. */
    int readBlocking(ByteBuffer dst, long deadline) throws IOException;

    /** Puts whatever plaintext has arrived into {@code dst}, never waiting: its count (0: none yet), or -1 at the end. */
    int readAvailable(ByteBuffer dst) throws IOException;

    /** The free room a read needs in {@code dst}. */
    int applicationBufferSize();
}
