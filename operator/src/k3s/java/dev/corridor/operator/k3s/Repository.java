package dev.corridor.operator.k3s;

import dev.corridor.sidecar.testing.GatewayLab;
import java.nio.file.Path;

/** Where the suite finds what it deploys: the repository it runs in (Maven runs it in operator/). */
final class Repository {
    static final Path ROOT = GatewayLab.repositoryRoot();
    /** The suite's own files: the gateway image's build context and the cluster's manifests. */
    static final Path SUITE = ROOT.resolve("operator/src/k3s");

    private Repository() {
    }
}
