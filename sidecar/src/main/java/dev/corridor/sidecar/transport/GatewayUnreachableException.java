package dev.corridor.sidecar.transport;

import java.io.IOException;

/** No TCP connection to the gateway could be made (name not resolved, refused, no route, timed out). */
public final class GatewayUnreachableException extends IOException {
    GatewayUnreachableException(String message, Throwable cause) {
        super(message, cause);
    }
}
