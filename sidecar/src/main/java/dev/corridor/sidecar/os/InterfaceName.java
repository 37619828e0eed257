package dev.corridor.sidecar.os;

import java.nio.charset.StandardCharsets;

/** The kernel's rules for a network interface name (dev_valid_name), checked before a name is sent. */
final class InterfaceName {
    /** IFNAMSIZ less the terminating NUL. */
    static final int MAX_BYTES = 15;

    private InterfaceName() {}

    static void check(String doing, String name) throws OsException {
        int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes == 0) {
            throw new OsException(doing + ": an interface name must not be empty");
        }
        if (bytes > MAX_BYTES) {
            throw new OsException(doing + ": the name is " + bytes + " bytes long, Linux allows at most " + MAX_BYTES);
        }
        if (name.equals(".")
                || name.equals("..")
                || name.chars().anyMatch(c -> c == '/' || c == ':' || Character.isWhitespace(c) || c == 0)) {
            throw new OsException(
                    doing + ": an interface name must not be '.' or '..' nor contain '/', ':', NUL or white space");
        }
    }
}
