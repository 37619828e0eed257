package dev.corridor.sidecar.os;

/**
 * A failed system call, with a message a user can act on: what was being done, the system's error text and the
 * errno name, and where it helps a hint, e.g. {@code creating tun device 'vpn0': Operation not permitted (EPERM);
 * the container needs the NET_ADMIN capability}.
 */
public final class OsException extends Exception {
    private static final long serialVersionUID = 1L;

    private final int errno;

    public OsException(String message) {
        super(message);
        this.errno = 0;
    }

    public OsException(String message, Throwable cause) {
        super(message, cause);
        this.errno = 0;
    }

    private OsException(String message, int errno) {
        super(message);
        this.errno = errno;
    }

    /** The errno of the failed call (EPERM is 1, ...), or 0 when the failure did not come from a system call. */
    public int errno() {
        return errno;
    }

    static OsException fromErrno(String doing, int errno) {
        return new OsException(doing + ": " + Libc.strerror(errno) + " (" + Libc.errnoName(errno) + ")", errno);
    }

    static OsException fromErrno(String doing, int errno, String hint) {
        return new OsException(fromErrno(doing, errno).getMessage() + "; " + hint, errno);
    }
}
