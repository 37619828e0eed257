package dev.corridor.sidecar.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corridor.sidecar.http.Attack.Behaviour;
import dev.corridor.sidecar.testing.GatewayLab;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The floods of {@link StatusServerUnderAttackTest} at once, against a server in a JVM with the sidecar's options. */
class SmallHeapTest {
    private static final String HEAD_START = "GET /healthz HTTP/1.1\r\nHost: pod\r\n";

    @TempDir
    Path dir;

    @Test
    void aFloodLeavesTheSixteenMegabyteHeapAndTheProbesAlone() throws Exception {
        Path stderr = dir.resolve("stderr");
        Process child = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "@" + GatewayLab.repositoryRoot().resolve("sidecar/jvm.options"),
                        "-XX:+ExitOnOutOfMemoryError",
                        "-cp",
                        System.getProperty("java.class.path"),
                        SmallHeapServer.class.getName())
                .redirectError(stderr.toFile())
                .start();
        try (BufferedReader out =
                        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
                PrintWriter in = new PrintWriter(child.getOutputStream(), true, StandardCharsets.UTF_8)) {
            String port = out.readLine();
            assertThat(port)
                    .as("the server's port; its stderr: %s", Files.readString(stderr))
                    .isNotNull();
            InetSocketAddress server = new InetSocketAddress("127.0.0.1", Integer.parseInt(port));
            long idleHeap = heapInUse(in, out, stderr);

            Prober prober = Prober.start(server);
            List<Attack> attacks = new ArrayList<>();
            long floodHeap;
            try {
                byte[] kilobyte = "a".repeat(1024).getBytes(StandardCharsets.ISO_8859_1);
                attacks.add(Attack.start(
                        server, 100, new Behaviour(HEAD_START + "X-Padding: ", kilobyte, Duration.ofMillis(100))));
                attacks.add(Attack.start(
                        server, 4, new Behaviour(HEAD_START + "X-Padding: ", new byte[64 * 1024], Duration.ZERO)));
                attacks.add(Attack.start(
                        server,
                        50,
                        new Behaviour(HEAD_START, "X".getBytes(StandardCharsets.ISO_8859_1), Duration.ofMillis(500))));
                attacks.add(Attack.start(server, 200, Behaviour.silent()));
                attacks.add(Attack.start(
                        server,
                        2,
                        new Behaviour(
                                HEAD_START + "Content-Length: 1000000000000\r\n\r\n",
                                new byte[64 * 1024],
                                Duration.ZERO)));
                Thread.sleep(2000);
                floodHeap = heapInUse(in, out, stderr);
                Thread.sleep(2000);
            } finally {
                attacks.forEach(Attack::stop);
                prober.stop();
            }

            assertThat(child.isAlive())
                    .as("alive; its stderr: %s", Files.readString(stderr))
                    .isTrue();
            assertThat(prober.probes()).hasSizeGreaterThan(20).allSatisfy(probe -> {
                assertThat(probe.status())
                        .as("%s: %s", probe.path(), probe.failure())
                        .isEqualTo(200);
                assertThat(probe.took()).isLessThan(Duration.ofSeconds(1));
            });
            System.out.printf(
                    "16 MB heap: %d probes, slowest %d ms; heap in use after GC %d KB idle, %d KB under the flood; "
                            + "peak RSS %s%n",
                    prober.probes().size(),
                    prober.slowest().toMillis(),
                    idleHeap / 1024,
                    floodHeap / 1024,
                    Files.readAllLines(Path.of("/proc", String.valueOf(child.pid()), "status")).stream()
                            .filter(line -> line.startsWith("VmHWM"))
                            .findFirst()
                            .orElse("?"));
        } finally {
            child.destroy();
            child.waitFor();
        }
        assertThat(Files.readString(stderr)).doesNotContain("OutOfMemoryError");
    }

    /** The heap the server has in use after a full collection; what it said instead (such as an OutOfMemoryError) if not. */
    private static long heapInUse(PrintWriter in, BufferedReader out, Path stderr) throws IOException {
        in.println();
        String answer = out.readLine();
        assertThat(answer)
                .as("the server's heap in use; its stderr: %s", Files.readString(stderr))
                .matches("[0-9]+");
        return Long.parseLong(answer);
    }
}
