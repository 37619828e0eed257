package dev.corridor.sidecar.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs a command to completion and returns its standard output; a non-zero exit fails with its error output. */
public final class Commands {
    static final long TIMEOUT_SECONDS = 120;

    private Commands() {}

    public static String run(List<String> command) throws IOException, InterruptedException {
        Result result = runAllowingFailure(command);
        if (result.exitCode() != 0) {
            throw new IOException(String.join(" ", command) + " exited with " + result.exitCode() + ": "
                    + result.stderr().strip());
        }
        return result.stdout();
    }

    public static String run(String... command) throws IOException, InterruptedException {
        return run(List.of(command));
    }

    public record Result(int exitCode, String stdout, String stderr) {}

    public static Result runAllowingFailure(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        CompletableFuture<String> stdout = Background.supply(() -> read(process.getInputStream()));
        CompletableFuture<String> stderr = Background.supply(() -> read(process.getErrorStream()));
        if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException(String.join(" ", command) + " did not finish within " + TIMEOUT_SECONDS + " s");
        }
        return new Result(process.exitValue(), stdout.join(), stderr.join());
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
