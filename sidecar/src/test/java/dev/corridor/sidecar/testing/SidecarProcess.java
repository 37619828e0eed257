package dev.corridor.sidecar.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The packaged sidecar ({@code sidecar/target/corridor-sidecar.jar}) running as a process inside a network
 * namespace, the way a pod runs it. Its HTTP surface is asked through curl inside the same namespace.
 */
public final class SidecarProcess implements AutoCloseable {
    public static final String HTTP_ADDRESS = "127.0.0.1:9478";

    private final Process process;
    private final String namespace;
    private final Path log;

    private SidecarProcess(Process process, String namespace, Path log) {
        this.process = process;
        this.namespace = namespace;
        this.log = log;
    }

    /** Starts {@code corridor-sidecar connect ARGS} in the namespace, writing {@code stdin} to its standard input. */
    public static SidecarProcess start(String namespace, String stdin, String... args) throws IOException {
        return start(namespace, stdin, List.of(), args);
    }

    /** The same, with JVM options before {@code -jar} (e.g. {@code @sidecar/jvm.options}, the container's small heap). */
    public static SidecarProcess start(String namespace, String stdin, List<String> jvmOptions, String... args)
            throws IOException {
        Path jar = jar();
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", namespace, javaBinary()));
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", jar.toString(), "connect"));
        command.addAll(List.of(args));
        Path log = Files.createTempFile("corridor-sidecar", ".log");
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        try (OutputStream in = process.getOutputStream()) {
            in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        return new SidecarProcess(process, namespace, log);
    }

    public long pid() {
        return process.pid();
    }

    /** Waits until {@code /readyz} answers 200; fails with the sidecar's output if it exits or takes too long. */
    public void awaitReady(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError(
                        "the sidecar exited with " + process.exitValue() + " before it was ready:\n" + output());
            }
            if (httpStatus("/readyz") == 200) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the sidecar was not ready within " + timeout + ":\n" + output());
    }

    /** The HTTP status code of a GET, or 0 when nothing answers. */
    public int httpStatus(String path) throws IOException, InterruptedException {
        Commands.Result result = Commands.runAllowingFailure(List.of(
                "ip",
                "netns",
                "exec",
                namespace,
                "curl",
                "-s",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                "--max-time",
                "2",
                "http://" + HTTP_ADDRESS + path));
        return result.stdout().isBlank() ? 0 : Integer.parseInt(result.stdout().strip());
    }

    public String httpGet(String path) throws IOException, InterruptedException {
        return Commands.run(
                "ip", "netns", "exec", namespace, "curl", "-sf", "--max-time", "2", "http://" + HTTP_ADDRESS + path);
    }

    public JsonNode status() throws IOException, InterruptedException {
        return new ObjectMapper().readTree(httpGet("/status"));
    }

    /** Waits for the process to end and returns its exit code. */
    public int awaitExit(Duration timeout) throws InterruptedException, IOException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("the sidecar did not exit within " + timeout + ":\n" + output());
        }
        return process.exitValue();
    }

    public void signal(String signal) throws IOException, InterruptedException {
        Commands.run("kill", "-" + signal, Long.toString(process.pid()));
    }

    /** Everything the sidecar printed so far. */
    public String output() throws IOException {
        return Files.readString(log);
    }

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
        Files.deleteIfExists(log);
    }

    /** The packaged sidecar jar, which the integration tests run; fails with a hint when it has not been built yet. */
    public static Path jar() {
        Path jar = GatewayLab.repositoryRoot().resolve("sidecar/target/corridor-sidecar.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: integration tests run after 'package' (./mvnw verify)");
        }
        return jar;
    }

    /** The JDK 25 running the tests runs the sidecar too. */
    static String javaBinary() {
        return ProcessHandle.current()
                .info()
                .command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }
}
