package dev.corridor.operator.k3s;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the suite finds what it deploys: the repository it runs in (Maven runs it in operator/). */
final class Repository {
    static final Path ROOT = find();
    /** The suite's own files: the gateway image's build context and the cluster's manifests. */
    static final Path SUITE = ROOT.resolve("operator/src/k3s");

    private Repository() {
    }

    private static Path find() {
        Path directory = Path.of("").toAbsolutePath();
        while (directory != null && !Files.isDirectory(directory.resolve("charts/corridor"))) {
            directory = directory.getParent();
        }
        if (directory == null) {
            throw new IllegalStateException("no charts/corridor above " + Path.of("").toAbsolutePath());
        }
        return directory;
    }
}
