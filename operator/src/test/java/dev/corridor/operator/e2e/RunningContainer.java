package dev.corridor.operator.e2e;

import dev.corridor.sidecar.testing.Commands;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Probe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A container {@link Kubelet} started: its process (the container's first process, not a wrapper), what it
 * printed, probes as the kubelet sends them, and views of it from outside (its mount table, capabilities, a command
 * run in its file system). {@link #close()} kills what is left and removes its directory; the mounts went with its
 * mount namespace when the process ended.
 */
final class RunningContainer implements AutoCloseable {
    private final Process process;
    private final Container spec;
    private final Kubelet.Sandbox sandbox;
    private final Path directory;
    private final Path log;
    private final long gracePeriodSeconds;

    RunningContainer(
            Process process,
            Container spec,
            Kubelet.Sandbox sandbox,
            Path directory,
            Path log,
            long gracePeriodSeconds) {
        this.process = process;
        this.spec = spec;
        this.sandbox = sandbox;
        this.directory = directory;
        this.log = log;
        this.gracePeriodSeconds = gracePeriodSeconds;
    }

    /** How a container ended: its exit code, and whether SIGTERM sufficed before the grace period ran out. */
    record Termination(int exitCode, boolean withinGracePeriod) {}

    /** One line of the container's mount table as it sees it: paths are relative to its root. */
    record Mount(String mountPoint, List<String> options, String type) {
        boolean readOnly() {
            return options.contains("ro");
        }
    }

    long pid() {
        return process.pid();
    }

    Container spec() {
        return spec;
    }

    /** The directory on this machine that holds the volumes' content, the script and the log. */
    Path directory() {
        return directory;
    }

    /** Everything the container printed so far (the kubelet's container log). */
    String output() throws IOException {
        return Files.readString(log);
    }

    /**
     * Runs the startup probe as the kubelet does (after initialDelaySeconds, every periodSeconds, each with
     * timeoutSeconds, success on a status from 200 to 399) until it succeeds; fails as the kubelet would kill the
     * container after failureThreshold failures, or at once if the container exits.
     */
    void awaitStarted() throws IOException, InterruptedException {
        Probe probe = spec.getStartupProbe();
        Thread.sleep(orDefault(probe.getInitialDelaySeconds(), 0) * 1000L);
        int failures = 0;
        while (true) {
            if (!process.isAlive()) {
                throw new AssertionError("the container exited with " + process.exitValue()
                        + " before its startup probe succeeded:\n" + output());
            }
            if (succeeds(probe)) {
                return;
            }
            failures++;
            if (failures >= orDefault(probe.getFailureThreshold(), 3)) {
                throw new AssertionError("the startup probe failed " + failures
                        + " times: the kubelet would kill the container:\n" + output());
            }
            Thread.sleep(orDefault(probe.getPeriodSeconds(), 10) * 1000L);
        }
    }

    /** One probe as the kubelet sends it: an HTTP GET from the node's namespace to the pod IP. */
    boolean succeeds(Probe probe) throws IOException, InterruptedException {
        int status = httpStatus(
                probe.getHttpGet().getPort().getIntVal(),
                probe.getHttpGet().getPath(),
                orDefault(probe.getTimeoutSeconds(), 1));
        return status >= 200 && status < 400;
    }

    /** A GET from the node's namespace to the pod IP with these headers, as the operator reads a sidecar's /status; fails unless 2xx. */
    String httpGet(int port, String path, String... headers) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(
                List.of("ip", "netns", "exec", sandbox.nodeNamespace(), "curl", "-sf", "--max-time", "2"));
        for (String header : headers) {
            command.addAll(List.of("-H", header));
        }
        command.add("http://" + sandbox.podIp() + ":" + port + path);
        return Commands.run(command);
    }

    /** Ends the container as the kubelet does when the pod goes: SIGTERM, and SIGKILL once the grace period has passed. */
    Termination stop() throws IOException, InterruptedException {
        Commands.run("kill", "-TERM", Long.toString(process.pid()));
        boolean exited = process.waitFor(gracePeriodSeconds, TimeUnit.SECONDS);
        if (!exited) {
            process.destroyForcibly();
            process.waitFor();
        }
        return new Termination(process.exitValue(), exited);
    }

    /** Waits for the container to exit by itself and returns its exit code. */
    int awaitExit(Duration timeout) throws IOException, InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("the container did not exit within " + timeout + ":\n" + output());
        }
        return process.exitValue();
    }

    /** The container's mount table ({@code /proc/PID/mountinfo}), mount points as seen from inside. */
    List<Mount> mounts() throws IOException {
        List<Mount> mounts = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "mountinfo"))) {
            // "ID PARENT MAJ:MIN ROOT MOUNT-POINT OPTIONS [OPTIONAL...] - TYPE SOURCE SUPER-OPTIONS"
            String[] fields = line.substring(0, line.indexOf(" - ")).split(" ");
            String type = line.substring(line.indexOf(" - ") + 3).split(" ")[0];
            mounts.add(new Mount(fields[4], List.of(fields[5].split(",")), type));
        }
        return mounts;
    }

    /** The environment the process started with ({@code /proc/PID/environ}). */
    Map<String, String> environment() throws IOException {
        Map<String, String> variables = new LinkedHashMap<>();
        for (String entry : Files.readString(Path.of("/proc", Long.toString(process.pid()), "environ"))
                .split("\0")) {
            int equals = entry.indexOf('=');
            if (equals > 0) {
                variables.put(entry.substring(0, equals), entry.substring(equals + 1));
            }
        }
        return variables;
    }

    /** The process's {@code /proc/PID/status} fields: CapEff, CapBnd, NoNewPrivs, Uid, ... */
    Map<String, String> processStatus() throws IOException {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
            int colon = line.indexOf(':');
            fields.put(line.substring(0, colon), line.substring(colon + 1).strip());
        }
        return fields;
    }

    /**
     * Runs a command in the container's file system and network (its mount and network namespaces, and root) with this
     * test's own privileges, so that what fails there fails because of the mounts, not of the container's capabilities.
     */
    Commands.Result inside(String... command) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>(List.of(
                "nsenter", "--target", Long.toString(process.pid()), "--mount", "--net", "--root", "--wd", "--"));
        full.addAll(List.of(command));
        return Commands.runAllowingFailure(full);
    }

    /** Kills the container if it still runs (a failed test) and removes its directory. */
    @Override
    public void close() throws IOException {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        deleteTree(directory);
    }

    static void deleteTree(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    private int httpStatus(int port, String path, int timeoutSeconds) throws IOException, InterruptedException {
        Commands.Result result = Commands.runAllowingFailure(List.of(
                "ip",
                "netns",
                "exec",
                sandbox.nodeNamespace(),
                "curl",
                "-s",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                "--max-time",
                Integer.toString(timeoutSeconds),
                "http://" + sandbox.podIp() + ":" + port + path));
        return result.stdout().isBlank() ? 0 : Integer.parseInt(result.stdout().strip());
    }

    /** A probe field, or the API server's default when the pod spec leaves it out. */
    private static int orDefault(Integer value, int fallback) {
        return value == null ? fallback : value;
    }
}
