package dev.corridor.operator.k3s;

import com.github.dockerjava.api.command.SaveImagesCmd;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.k3s.K3sContainer;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/** The cluster: one k3s server in a Docker container, which is also its only node. */
final class K3sNode implements AutoCloseable {
    /** Kubernetes 1.33: native sidecars (1.29 and later) and the webhook's matchConditions (GA in 1.30) are on. */
    static final DockerImageName IMAGE = DockerImageName.parse("rancher/k3s:v1.33.5-k3s1");
    private static final String ARCHIVE_IN_NODE = "/tmp/corridor-images.tar";

    private final K3sContainer container;

    private K3sNode(K3sContainer container) {
        this.container = container;
    }

    static K3sNode start() {
        K3sContainer container = new K3sContainer(IMAGE);
        container.start();
        return new K3sNode(container);
    }

    String kubeConfigYaml() {
        return container.getKubeConfigYaml();
    }

    KubernetesClient client() {
        return new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(kubeConfigYaml())).build();
    }

    /**
     * The chart's default {@code injection.tunDevice=hostPath} mounts the node's /dev/net/tun into each sidecar, and
     * the gateway's ocserv opens it too. The node is a privileged container, to which Docker gives the host's
     * device nodes: the device is there when the Docker host has the tun driver.
     */
    void requireTunDevice() {
        ExecResult result = exec("sh", "-c", "test -c /dev/net/tun");
        if (result.getExitCode() != 0) {
            throw new IllegalStateException("the k3s node has no character device /dev/net/tun, so neither the sidecars nor the gateway can "
                    + "make a tunnel: load the tun module on the Docker host (modprobe tun)");
        }
    }

    /**
     * Puts the images into the node's containerd, where the kubelet finds them by their Docker names (containerd
     * files {@code corridor-operator:e2e} as {@code docker.io/library/corridor-operator:e2e}, and so does the
     * kubelet when it looks it up): the manifests and the chart say {@code imagePullPolicy: Never}, and no registry
     * is involved.
     */
    void importImages(List<SuiteImages.Image> images, Path scratch) {
        Path archive = scratch.resolve("corridor-images.tar");
        SaveImagesCmd save = DockerClientFactory.instance().client().saveImagesCmd();
        images.forEach(image -> save.withImage(image.repository(), image.tag()));
        try (InputStream saved = save.exec()) {
            Files.copy(saved, archive);
            container.copyFileToContainer(MountableFile.forHostPath(archive), ARCHIVE_IN_NODE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        check(exec("ctr", "--namespace", "k8s.io", "images", "import", ARCHIVE_IN_NODE), "importing the images into the node's containerd");
        check(exec("rm", ARCHIVE_IN_NODE), "removing the image archive from the node");
        List<String> present = check(exec("ctr", "--namespace", "k8s.io", "images", "list", "--quiet"), "listing the node's images").lines().toList();
        for (SuiteImages.Image image : images) {
            String name = "docker.io/library/" + image.reference();
            if (!present.contains(name)) {
                throw new IllegalStateException("after the import the node's containerd has no " + name + "; it has " + present);
            }
        }
    }

    private ExecResult exec(String... command) {
        try {
            return container.execInContainer(command);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + String.join(" ", command) + " in the k3s node", e);
        }
    }

    private static String check(ExecResult result, String what) {
        if (result.getExitCode() != 0) {
            throw new IllegalStateException(what + " failed (exit " + result.getExitCode() + "): " + result.getStderr() + result.getStdout());
        }
        return result.getStdout();
    }

    /** Removes the node's container; the cluster, its namespaces and the imported images go with it. */
    @Override
    public void close() {
        container.stop();
    }
}
