package dev.corridor.sidecar.protocol;

import java.io.IOException;

/** The gateway said something that breaks the AnyConnect protocol; the message names what. */
public class ProtocolException extends IOException {
    public ProtocolException(String message) {
        super(message);
    }

    public ProtocolException(String message, Throwable cause) {
        super(message, cause);
    }
}
