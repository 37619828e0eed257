package dev.corridor.sidecar.training;

import dev.corridor.sidecar.cli.CorridorCommand;
import dev.corridor.sidecar.cli.ExitCode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The workload the container image's AOT cache is recorded from (JDK 25):
 * {@code java -XX:AOTCacheOutput=FILE -cp corridor-sidecar.jar dev.corridor.sidecar.training.TrainingRun}. It needs no
 * gateway, no network and no privilege, so the image build runs it, and every start of the image is then a start
 * with the classes of its start-up already loaded and linked.
 *
 * <ol>
 *   <li>{@code authenticate} against a {@link LoopbackGateway} in this process: the command line, the TLS handshake
 *       with the certificate checked against a CA file, and the login, as a start of the sidecar does them;
 *   <li>{@code connect} with the same login, as far as a start goes without NET_ADMIN: metrics, the status server,
 *       the trust stores and the netlink socket, until it checks the tun device's name. The name is {@code lo},
 *       which is never a tun device, so that the run stops there in a build and on a machine alike.
 * </ol>
 *
 * <p>Exits non-zero when a step ends otherwise than that, so that a broken training fails the image build instead
 * of leaving the image without its cache.
 */
public final class TrainingRun {
    private TrainingRun() {}

    public static void main(String[] args) throws Exception {
        Path ca = Files.createTempFile("corridor-training", ".pem");
        try (LoopbackGateway gateway = LoopbackGateway.start()) {
            Files.writeString(ca, gateway.certificatePem());
            String[] login = {"--cafile", ca.toString(), "--user", "trainee", "--passwd-on-stdin"};
            step(ExitCode.OK, "COOKIE='webvpn=", "authenticate", login, gateway.url());
            step(
                    ExitCode.NETWORK_SETUP_FAILED,
                    "not a tun device",
                    "connect",
                    login,
                    "--interface",
                    "lo",
                    "--http-address",
                    "127.0.0.1:0",
                    gateway.url());
        } finally {
            Files.delete(ca);
        }
        System.out.println("training run done: authenticate and connect's start-up against a loopback gateway");
    }

    /** Runs the command line with a password on standard input; its output is kept, and shown only if it went wrong. */
    private static void step(ExitCode expected, String expectedOutput, String command, String[] login, String... rest) {
        String[] args = Stream.of(Stream.of(command), Stream.of(login), Stream.of(rest))
                .flatMap(s -> s)
                .toArray(String[]::new);
        InputStream stdin = System.in;
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        int exit;
        try (PrintStream captured = new PrintStream(output, true, StandardCharsets.UTF_8)) {
            System.setIn(new ByteArrayInputStream("training\n".getBytes(StandardCharsets.UTF_8)));
            System.setOut(captured);
            System.setErr(captured);
            exit = CorridorCommand.execute(args);
        } finally {
            System.setIn(stdin);
            System.setOut(stdout);
            System.setErr(stderr);
        }
        String text = output.toString(StandardCharsets.UTF_8);
        if (exit != expected.code || !text.contains(expectedOutput)) {
            throw new IllegalStateException("training step '" + command + "' exited with " + exit + ", expected "
                    + expected.code + " and output containing \"" + expectedOutput + "\"; its output:\n" + text);
        }
    }
}
