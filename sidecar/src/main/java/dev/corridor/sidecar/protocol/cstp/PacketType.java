package dev.corridor.sidecar.protocol.cstp;

/** AnyConnect packet types, shared by CSTP frames and DTLS records. */
public enum PacketType {
    DATA(0x00),
    DPD_REQUEST(0x03),
    DPD_RESPONSE(0x04),
    DISCONNECT(0x05),
    KEEPALIVE(0x07),
    COMPRESSED(0x08),
    TERMINATE(0x09);

    private static final PacketType[] BY_CODE = new PacketType[256];

    static {
        for (PacketType type : values()) {
            BY_CODE[type.code] = type;
        }
    }

    private final int code;

    PacketType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The type with this code, or null for a code AnyConnect does not define. */
    public static PacketType of(int code) {
        return BY_CODE[code & 0xff];
    }
}
