package dev.corridor.sidecar.testing;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A network namespace for one test class (needs root): created with {@code ip netns add}, deleted on
 * {@link #close()} (and by a shutdown hook if the JVM ends first).
 *
 * <p>Network namespaces are per thread on Linux. {@link #call} and {@link #run} execute on one dedicated platform
 * thread that has entered the namespace with setns(2), so sockets, netlink sockets and tun devices created there
 * live in the namespace; an fd, once created, can be used from any thread. {@link #exec} runs a command in the
 * namespace ({@code ip netns exec}).
 *
 * <p>Not everything follows the thread: {@link java.net.NetworkInterface} reads /proc/self/net, which is the
 * namespace of the process's main thread, so it lists the root namespace's interfaces even on this thread. Ask
 * {@code ip} (with {@link #exec}) or netlink instead.
 */
@SuppressWarnings("restricted") // the tests run with --enable-native-access
public final class NetworkNamespace implements AutoCloseable {
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,14}");
    private static final int CLONE_NEWNET = 0x40000000;
    private static final int O_RDONLY_CLOEXEC = 0x80000;
    private static final long COMMAND_TIMEOUT_SECONDS = 30;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle OPEN = LINKER.downcallHandle(
            LINKER.defaultLookup().find("open").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
            Linker.Option.firstVariadicArg(2),
            Linker.Option.captureCallState("errno"));
    private static final MethodHandle SETNS = LINKER.downcallHandle(
            LINKER.defaultLookup().find("setns").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT),
            Linker.Option.captureCallState("errno"));
    private static final MethodHandle CLOSE = LINKER.downcallHandle(
            LINKER.defaultLookup().find("close").orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    private final String name;
    private final boolean owned;
    private final ExecutorService executor;
    private final Thread cleanup;
    private volatile Thread entered;
    private boolean closed;

    /** An action for {@link #run}. */
    @FunctionalInterface
    public interface ThrowingRunnable {
        void run() throws Exception;
    }

    private NetworkNamespace(String name, boolean owned) {
        this.name = name;
        this.owned = owned;
        this.executor = Executors.newSingleThreadExecutor(
                Thread.ofPlatform().daemon().name("netns-" + name).factory());
        this.cleanup = new Thread(() -> deleteQuietly(name), "netns-" + name + "-cleanup");
    }

    /**
     * Creates the namespace, named {@code base} and this run's suffix (deleting a leftover of that name first), with its
     * loopback up, and its thread; namespaces that a run killed on the spot left behind are removed first. Keep bases short and unique per
     * test class, e.g. {@code cort-tun}: at most 12 characters of a-z, 0-9 and '-'. {@link #name()} is the full name.
     */
    public static NetworkNamespace create(String base) throws IOException, InterruptedException {
        String name = base + TestRun.SUFFIX;
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    "'" + base + "' is not a short namespace name (a-z, 0-9, '-', at most 12)");
        }
        TestRun.sweep("netns", NetworkNamespace::deleteQuietly);
        deleteQuietly(name);
        TestRun.claim("netns", name);
        Commands.run("ip", "netns", "add", name);
        NetworkNamespace namespace = new NetworkNamespace(name, true);
        Runtime.getRuntime().addShutdownHook(namespace.cleanup);
        namespace.enter();
        namespace.exec("ip", "link", "set", "lo", "up");
        return namespace;
    }

    /** Enters a namespace that something else created (e.g. the gateway lab); {@link #close()} leaves it in place. */
    public static NetworkNamespace attach(String name) throws IOException {
        return new NetworkNamespace(name, false).enter();
    }

    private NetworkNamespace enter() throws IOException {
        try {
            executor.submit(() -> {
                        enter("/run/netns/" + name);
                        entered = Thread.currentThread();
                    })
                    .get();
        } catch (ExecutionException e) {
            close();
            throw new IOException("entering network namespace " + name + " failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IOException("interrupted while entering network namespace " + name, e);
        }
        return this;
    }

    public String name() {
        return name;
    }

    /** Runs the task on the namespace's thread and returns its result; its exception is rethrown as is. */
    public <T> T call(Callable<T> task) throws Exception {
        Future<T> future = executor.submit(() -> {
            if (Thread.currentThread() != entered) {
                throw new IllegalStateException("not on the thread that entered namespace " + name);
            }
            return task.call();
        });
        try {
            return future.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }

    /** Runs the action on the namespace's thread; its exception is rethrown as is. */
    public void run(ThrowingRunnable action) throws Exception {
        call(() -> {
            action.run();
            return null;
        });
    }

    /** Runs a command in the namespace and returns its standard output; a non-zero exit fails with its standard error. */
    public String exec(String... command) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
        full.addAll(List.of(command));
        return Commands.run(full);
    }

    /** Stops the thread and deletes the namespace, if this created it. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        executor.shutdownNow();
        try {
            executor.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!owned) {
            return;
        }
        deleteQuietly(name);
        TestRun.release("netns", name);
        try {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down: the hook runs, and deleting twice is harmless
        }
    }

    private static void enter(String path) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int fd = (int) OPEN.invokeExact(state, arena.allocateFrom(path), O_RDONLY_CLOEXEC, 0);
            if (fd < 0) {
                throw new IllegalStateException("open " + path + " failed, errno " + (int) ERRNO.get(state, 0L));
            }
            int result = (int) SETNS.invokeExact(state, fd, CLONE_NEWNET);
            int errno = (int) ERRNO.get(state, 0L);
            int ignored = (int) CLOSE.invokeExact(fd);
            if (result != 0) {
                throw new IllegalStateException("setns(" + path + ") failed, errno " + errno);
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Deletes the namespace and the files {@code ip netns exec} lays over /etc for it. */
    private static void deleteQuietly(String name) {
        try {
            Commands.runAllowingFailure(List.of("rm", "-rf", "/etc/netns/" + name));
            Process process = new ProcessBuilder("ip", "netns", "delete", name)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (IOException e) {
            // nothing to delete, or no ip: either way there is nothing left to do
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
