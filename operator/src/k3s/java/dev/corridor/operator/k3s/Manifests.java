package dev.corridor.operator.k3s;

import dev.corridor.operator.crd.VpnTunnel;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The suite's Kubernetes objects, in operator/src/k3s/manifests: each file creates what one step needs. */
final class Manifests {
    static final Path DIRECTORY = Repository.SUITE.resolve("manifests");
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    static {
        SERIALIZATION.registerKubernetesResource(VpnTunnel.class);
    }

    private Manifests() {
    }

    /** The objects of one file, in order, typed by fabric8's model (a VpnTunnel as the operator's class). */
    static List<HasMetadata> read(String file) {
        try (InputStream yaml = Files.newInputStream(DIRECTORY.resolve(file))) {
            Object parsed = SERIALIZATION.unmarshal(yaml);
            return parsed instanceof List<?> documents ? documents.stream().map(HasMetadata.class::cast).toList() : List.of((HasMetadata) parsed);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Creates every object of the file, in order; an object that already exists is an error, as a stale cluster would be. */
    static void create(KubernetesClient client, String file) {
        for (HasMetadata object : read(file)) {
            client.resource(object).create();
        }
    }
}
