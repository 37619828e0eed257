package dev.corridor.operator.k3s;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** A command in a pod's container, as {@code kubectl exec} runs it. */
final class PodShell {
    private PodShell() {
    }

    /** What the command printed; a command that fails, or runs for more than a minute, fails the test with its error output. */
    static String run(KubernetesClient client, String namespace, String pod, String container, String... command) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String where = String.join(" ", command) + " in " + namespace + "/" + pod + " (container " + container + ")";
        try (ExecWatch watch = client.pods().inNamespace(namespace).withName(pod).inContainer(container)
                .writingOutput(out).writingError(err).exec(command)) {
            int exit = watch.exitCode().get(1, TimeUnit.MINUTES);
            if (exit != 0) {
                throw new AssertionError(where + " exited " + exit + ": " + err.toString(StandardCharsets.UTF_8).strip());
            }
            return out.toString(StandardCharsets.UTF_8);
        } catch (ExecutionException | TimeoutException e) {
            throw new AssertionError(where + " did not finish: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(where + " was interrupted", e);
        }
    }
}
