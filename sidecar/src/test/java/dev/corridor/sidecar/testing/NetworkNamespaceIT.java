package dev.corridor.sidecar.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
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
        assertThat(namespaces()).doesNotContain("cort-nst");
    }

    @Test
    void createReplacesALeftoverOfTheSameName() throws Exception {
        try (NetworkNamespace leftover = NetworkNamespace.create("cort-nsl")) {
            leftover.exec("ip", "link", "add", "old0", "type", "veth", "peer", "name", "old1");
            try (NetworkNamespace fresh = NetworkNamespace.create("cort-nsl")) {
                assertThat(fresh.exec("ip", "-br", "link")).doesNotContain("old0");
            }
        }
        assertThat(namespaces()).doesNotContain("cort-nsl");
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
            })).isInstanceOf(IllegalStateException.class).hasMessage("from the task");
        }
    }

    @Test
    void namesMustBeShort() {
        assertThatThrownBy(() -> NetworkNamespace.create("corridor-namespace-1"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static String namespaces() throws Exception {
        Process process = new ProcessBuilder("ip", "netns", "list").redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        process.waitFor();
        return output;
    }
}
