package dev.corridor.sidecar.os;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A non-blocking fd that one thread can wait on, polled together with an eventfd so that another thread can
 * wake the waiter (closing an fd does not reliably wake a thread blocked on it). Reads and writes are critical
 * downcalls on a slice of the caller's array: no copy, no allocation, no thread-state transition; they never
 * block, which is what makes a critical call safe.
 *
 * <p>Threads: one thread waits and reads; writes may come from any thread; {@link #wakeup} and {@link #close}
 * from any thread.
 */
final class PollableFd {
    /** Two struct pollfd {int fd; short events; short revents;}: the fd, then the eventfd. */
    private static final long POLLFD_SIZE = 8;

    private static final long FD_REVENTS = 6;
    private static final long EVENT_REVENTS = POLLFD_SIZE + 6;

    private final int fd;
    private final int eventFd;
    private final String what;
    private final MemorySegment pollFds;
    private final MemorySegment writablePollFd;
    private final MemorySegment wakeupValue;
    private final MemorySegment drainBuffer;
    private final Object closeLock = new Object();
    private volatile boolean closed;

    /**
     * Takes ownership of {@code fd}.
     *
     * @param what how messages name it, e.g. "tun device 'vpn0'"
     */
    PollableFd(int fd, String what) throws OsException {
        int eventFd = Libc.eventfd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK);
        if (eventFd < 0) {
            throw OsException.fromErrno("creating a wakeup eventfd for " + what, Libc.errno());
        }
        this.fd = fd;
        this.eventFd = eventFd;
        this.what = what;
        // An automatic arena: close() must not free memory that a thread still in poll() may be using.
        Arena arena = Arena.ofAuto();
        this.pollFds = arena.allocate(2 * POLLFD_SIZE);
        describeInto(pollFds, 0);
        this.writablePollFd = arena.allocate(POLLFD_SIZE);
        writablePollFd.set(JAVA_INT, 0, fd);
        writablePollFd.set(JAVA_SHORT, 4, Libc.POLLOUT);
        this.wakeupValue = arena.allocate(JAVA_LONG);
        wakeupValue.set(JAVA_LONG, 0, 1L);
        this.drainBuffer = arena.allocate(JAVA_LONG);
    }

    /** Reads into {@code buf[off..off+max)}; the byte count, or -1 with errno set ({@link Libc#errno()}). */
    long read(byte[] buf, int off, int max) throws OsException {
        Objects.checkFromIndexSize(off, max, buf.length);
        ensureOpen("reading from");
        return Libc.read(fd, MemorySegment.ofArray(buf).asSlice(off, max), max);
    }

    /**
     * Reads without waiting: the byte count, or -1 when nothing is pending (EAGAIN, EINTR).
     *
     * @throws OsException for any other error, with its errno
     */
    long readPending(byte[] buf, int off, int max) throws OsException {
        long n = read(buf, off, max);
        if (n >= 0) {
            return n;
        }
        int errno = Libc.errno();
        if (errno == Libc.EAGAIN || errno == Libc.EINTR) {
            return -1;
        }
        throw OsException.fromErrno("reading from " + what, errno);
    }

    /** Writes {@code buf[off..off+len)}; the byte count, or -1 with errno set ({@link Libc#errno()}). */
    long write(byte[] buf, int off, int len) throws OsException {
        Objects.checkFromIndexSize(off, len, buf.length);
        ensureOpen("writing to");
        return Libc.write(fd, MemorySegment.ofArray(buf).asSlice(off, len), len);
    }

    /**
     * Waits until the fd is readable (true), or until the timeout passes or {@link #wakeup} is called (false).
     * A wakeup that comes while no one waits makes the next call return false at once. {@code timeoutMillis < 0}
     * waits indefinitely.
     */
    boolean awaitReadable(long timeoutMillis) throws OsException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(timeoutMillis, 0));
        while (!closed) {
            int ready = Libc.poll(pollFds, 2, remaining(timeoutMillis, deadline));
            if (ready < 0) {
                int errno = Libc.errno();
                if (errno == Libc.EINTR) {
                    continue;
                }
                throw OsException.fromErrno("waiting on " + what, errno);
            }
            if (ready == 0) {
                return false;
            }
            if (pollFds.get(JAVA_SHORT, EVENT_REVENTS) != 0) {
                drainWakeup(); // fails harmlessly once closed
                return false;
            }
            short revents = pollFds.get(JAVA_SHORT, FD_REVENTS);
            if ((revents & Libc.POLLIN) != 0) {
                return true;
            }
            if ((revents & Libc.POLLNVAL) != 0 && !closed) {
                throw new OsException("waiting on " + what + ": poll reported an invalid fd");
            }
            if (!closed) {
                return true; // an error or hang-up: the next read reports what it is
            }
        }
        return false;
    }

    /** Waits up to {@code timeoutMillis} until a write would not block; false on timeout. */
    boolean awaitWritable(long timeoutMillis) throws OsException {
        while (!closed) {
            int ready = Libc.poll(writablePollFd, 1, (int) timeoutMillis);
            if (ready < 0 && Libc.errno() == Libc.EINTR) {
                continue;
            }
            if (ready < 0) {
                throw OsException.fromErrno("waiting to write to " + what, Libc.errno());
            }
            return ready > 0;
        }
        return false;
    }

    /** Wakes a thread blocked in {@link #awaitReadable}. Safe from any thread, also after close. */
    void wakeup() {
        synchronized (closeLock) {
            if (!closed) {
                Libc.write(eventFd, wakeupValue, wakeupValue.byteSize()); // fails only when already signalled
            }
        }
    }

    /** Closes both fds, waking a waiter first. Idempotent. */
    void close() {
        synchronized (closeLock) {
            if (closed) {
                return;
            }
            closed = true;
            Libc.write(eventFd, wakeupValue, wakeupValue.byteSize());
            Libc.close(fd);
            Libc.close(eventFd);
        }
    }

    int fd() {
        return fd;
    }

    /** The pair to poll for this fd's readability and its wakeups, written into a struct pollfd array. */
    void describeInto(MemorySegment pollFds, long offset) {
        pollFds.set(JAVA_INT, offset, fd);
        pollFds.set(JAVA_SHORT, offset + 4, Libc.POLLIN);
        pollFds.set(JAVA_INT, offset + POLLFD_SIZE, eventFd);
        pollFds.set(JAVA_SHORT, offset + POLLFD_SIZE + 4, Libc.POLLIN);
    }

    /** Resets the eventfd after a wakeup was seen. */
    void drainWakeup() {
        Libc.read(eventFd, drainBuffer, drainBuffer.byteSize());
    }

    private void ensureOpen(String doing) throws OsException {
        if (closed) {
            throw new OsException(doing + " " + what + ": it is closed");
        }
    }

    private static int remaining(long timeoutMillis, long deadline) {
        if (timeoutMillis < 0) {
            return -1;
        }
        long remainingMillis = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime() + 999_999);
        return (int) Math.clamp(remainingMillis, 0, Integer.MAX_VALUE);
    }
}
