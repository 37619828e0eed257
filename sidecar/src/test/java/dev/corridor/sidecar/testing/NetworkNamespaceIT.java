package dev.corridor.sidecar.testing;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The namespace test utility itself (needs root). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NetworkNamespaceIT {

    @Test
    void tasksRunInsideTheNamespaceAndCloseDeletesIt() throws Exception {
        NetworkNamespace namespace = NetworkNamespace.create("cort-nst");
        try {
            namespace.exec("ip", "link", "add", "nst0", "type", "veth", "peer", "name", "nst1");
            namespace.exec("ip", "addr", "add", "10.99.0.1/24", "dev", "nst0");

            // A socket can bind an address only in the namespace that has it: the namespace's thread can.
            int port = namespace.call(() -> {
                try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress("10.99.0.1", 0))) {
                    return socket.getLocalPort();
                }
            });
            assertThat(port).isPositive();
            assertThat(namespace.exec("ip", "-br", "link", "show", "nst0")).startsWith("nst0@nst1");
        } finally {
            namespace.close();
            namespace.close();
        }
        assertThat(namespaces()).doesNotContain("cort-nst" + TestRun.SUFFIX);
    }

    @Test
    void createReplacesALeftoverOfTheSameName() throws Exception {
        try (NetworkNamespace leftover = NetworkNamespace.create("cort-nsl")) {
            leftover.exec("ip", "link", "add", "old0", "type", "veth", "peer", "name", "old1");
            try (NetworkNamespace fresh = NetworkNamespace.create("cort-nsl")) {
                assertThat(fresh.exec("ip", "-br", "link")).doesNotContain("old0");
            }
        }
        assertThat(namespaces()).doesNotContain("cort-nsl" + TestRun.SUFFIX);
    }

    @Test
    void failuresComeBackAsTheyAre() throws Exception {
        try (NetworkNamespace namespace = NetworkNamespace.create("cort-nsf")) {
            assertThatThrownBy(() -> namespace.exec("ip", "link", "show", "nosuch"))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("exited with 1")
                    .hasMessageContaining("\"nosuch\" does not exist");
            assertThatThrownBy(() -> namespace.run(() -> {
                        throw new IllegalStateException("from the task");
                    }))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("from the task");
        }
    }

    /** A run killed on the spot cannot delete its namespaces; the next run does, and leaves those of live runs alone. */
    @Test
    void namespacesOfRunsThatDiedAreSweptAndThoseOfLiveRunsKept() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Commands.run("ip", "netns", "add", "cort-dead");
        Files.createDirectories(Path.of("/run/corridor-test/owners/netns"));
        Files.writeString(Path.of("/run/corridor-test/owners/netns/cort-dead"), Long.toString(gone.pid()));
        Commands.run("ip", "netns", "add", "cort-live");
        Files.writeString(
                Path.of("/run/corridor-test/owners/netns/cort-live"),
                Long.toString(ProcessHandle.current().parent().orElseThrow().pid()));
        try (NetworkNamespace fresh = NetworkNamespace.create("cort-nsw")) {
            assertThat(namespaces())
                    .doesNotContain("cort-dead")
                    .contains("cort-live")
                    .contains(fresh.name());
        } finally {
            Commands.runAllowingFailure(List.of("ip", "netns", "del", "cort-live"));
            Files.deleteIfExists(Path.of("/run/corridor-test/owners/netns/cort-live"));
        }
    }

    @Test
    void namesMustBeShort() {
        assertThatThrownBy(() -> NetworkNamespace.create("corridor-namespace-1"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static String namespaces() throws Exception {
        Process process = new ProcessBuilder("ip", "netns", "list")
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), UTF_8);
        process.waitFor();
        return output;
    }
}
