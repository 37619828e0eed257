package dev.corridor.sidecar.transport;

import dev.corridor.sidecar.protocol.cstp.PacketType;
import java.io.IOException;

/** Receives each AnyConnect packet in place, from either channel; the bytes are valid only during the call. */
@FunctionalInterface
public interface PacketReceiver {
    /** @param type null for a type code AnyConnect does not define */
    void onPacket(PacketType type, int typeCode, byte[] buf, int off, int len) throws IOException;

    /** A record that failed authentication, replayed, or came from another epoch: dropped, as DTLS requires. */
    default void onRejectedRecord() {}
}
