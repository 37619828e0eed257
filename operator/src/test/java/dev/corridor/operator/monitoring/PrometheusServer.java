package dev.corridor.operator.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corridor.sidecar.testing.Commands;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The real Prometheus (Debian's package) in a network namespace, listening on loopback there, its storage in a
 * temporary directory. Its HTTP API is asked with curl inside the same namespace. {@link #close()} stops it and
 * deletes the directory; a shutdown hook does the same if the JVM ends first.
 */
final class PrometheusServer implements AutoCloseable {
    static final String ADDRESS = "127.0.0.1:9090";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final String namespace;
    private final Path directory;
    private final Thread cleanup;

    private PrometheusServer(Process process, String namespace, Path directory) {
        this.process = process;
        this.namespace = namespace;
        this.directory = directory;
        this.cleanup = new Thread(this::stop, "prometheus-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
    }

    /** Starts Prometheus in the namespace with this configuration (prometheus.yml) and waits until it is ready. */
    static PrometheusServer start(String namespace, String configuration, Duration timeout)
            throws IOException, InterruptedException {
        Path directory = Files.createTempDirectory("corridor-prometheus");
        Path config = Files.writeString(directory.resolve("prometheus.yml"), configuration);
        Process process = new ProcessBuilder(
                        "ip",
                        "netns",
                        "exec",
                        namespace,
                        "prometheus",
                        "--config.file=" + config,
                        "--storage.tsdb.path=" + directory.resolve("data"),
                        "--web.listen-address=" + ADDRESS)
                .redirectErrorStream(true)
                .redirectOutput(directory.resolve("prometheus.log").toFile())
                .start();
        PrometheusServer server = new PrometheusServer(process, namespace, directory);
        try {
            server.awaitReady(timeout);
        } catch (RuntimeException | Error | IOException | InterruptedException e) {
            server.close();
            throw e;
        }
        return server;
    }

    /** An instant query: {@code data} of the answer, whose resultType and result Prometheus sets. */
    JsonNode query(String promql) throws IOException, InterruptedException {
        return get("/api/v1/query", Map.of("query", promql));
    }

    /** The series that match a selector. */
    JsonNode series(String selector) throws IOException, InterruptedException {
        return get("/api/v1/series", Map.of("match[]", selector));
    }

    /** The values of a label among the series that match a selector, as Grafana's label_values() asks for them. */
    JsonNode labelValues(String label, String selector) throws IOException, InterruptedException {
        return get("/api/v1/label/" + label + "/values", Map.of("match[]", selector));
    }

    /** The rule groups with each rule's health, last error and last evaluation. */
    JsonNode rules() throws IOException, InterruptedException {
        return get("/api/v1/rules", Map.of());
    }

    /** The alerts that are pending or firing. */
    JsonNode alerts() throws IOException, InterruptedException {
        return get("/api/v1/alerts", Map.of());
    }

    /** What Prometheus logged so far, for failure messages. */
    String log() {
        try {
            return Files.readString(directory.resolve("prometheus.log"));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** GET on the API; fails with Prometheus's own error (errorType, error) when the answer is not a success. */
    private JsonNode get(String path, Map<String, String> parameters) throws IOException, InterruptedException {
        List<String> command =
                new ArrayList<>(List.of("ip", "netns", "exec", namespace, "curl", "-sS", "--max-time", "10", "-G"));
        parameters.forEach((name, value) -> command.addAll(List.of("--data-urlencode", name + "=" + value)));
        command.add("http://" + ADDRESS + path);
        JsonNode answer = JSON.readTree(Commands.run(command));
        if (!answer.path("status").asText().equals("success")) {
            throw new AssertionError("Prometheus answered " + path + " " + parameters + " with "
                    + answer.path("errorType").asText() + ": "
                    + answer.path("error").asText());
        }
        return answer.path("data");
    }

    private void awaitReady(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("Prometheus exited with " + process.exitValue() + ":\n" + log());
            }
            Commands.Result ready = Commands.runAllowingFailure(List.of(
                    "ip",
                    "netns",
                    "exec",
                    namespace,
                    "curl",
                    "-sf",
                    "--max-time",
                    "2",
                    "http://" + ADDRESS + "/-/ready"));
            if (ready.exitCode() == 0) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("Prometheus was not ready within " + timeout + ":\n" + log());
    }

    private void stop() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("deleting " + directory, e);
        }
    }

    @Override
    public void close() {
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException e) {
            // the JVM is shutting down and runs the hook: stopping twice is harmless
        }
    }
}
