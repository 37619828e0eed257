package dev.corridor.operator.monitoring;

import dev.corridor.sidecar.testing.Background;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** promtool, which Debian's prometheus package installs (scripts/test.sh installs it): rule checks and tests, metric lint. */
final class Promtool {
    private static final long TIMEOUT_SECONDS = 60;

    private Promtool() {}

    /** Its exit code, and what it printed on either stream. */
    record Result(int exitCode, String output) {
        boolean succeeded() {
            return exitCode == 0;
        }
    }

    static Result checkRules(Path ruleFile) {
        return run(null, "check", "rules", ruleFile.toString());
    }

    /** Runs the unit tests of a test file; its rule_files are relative to the test file. */
    static Result testRules(Path testFile) {
        return run(null, "test", "rules", testFile.toString());
    }

    /** Lints a Prometheus text exposition: names, units, suffixes, help texts. Silent and 0 when nothing is wrong. */
    static Result checkMetrics(String exposition) {
        return run(exposition, "check", "metrics");
    }

    private static Result run(String stdin, String... arguments) {
        List<String> command = new ArrayList<>(List.of("promtool"));
        command.addAll(List.of(arguments));
        Path input = null;
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            if (stdin == null) {
                builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            } else {
                input = Files.writeString(Files.createTempFile("promtool-input", ".txt"), stdin);
                builder.redirectInput(input.toFile());
            }
            Process process = builder.start();
            // Read aside, so that the timeout below holds even when promtool hangs with its output open.
            CompletableFuture<String> output = Background.supply(() -> {
                try {
                    return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(
                        String.join(" ", command) + " did not finish within " + TIMEOUT_SECONDS + " s");
            }
            return new Result(process.exitValue(), output.join());
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "running " + String.join(" ", command) + " (is Debian's prometheus package installed?)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running promtool", e);
        } finally {
            if (input != null) {
                input.toFile().delete();
            }
        }
    }
}
