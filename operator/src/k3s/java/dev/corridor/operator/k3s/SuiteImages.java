package dev.corridor.operator.k3s;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.testcontainers.images.builder.ImageFromDockerfile;

/**
 * The three images the cluster runs, built by the local Docker engine: the operator and the sidecar from the
 * repository's own Dockerfiles, and the test gateway from operator/src/k3s/ocserv. They are tagged {@code e2e}, so
 * that no image a developer built by hand is replaced, and removed when the JVM exits.
 */
final class SuiteImages {
    /** A local image, by the repository and tag that the manifests and the chart's values name it with. */
    record Image(String repository, String tag) {
        String reference() {
            return repository + ":" + tag;
        }
    }

    static final Image OPERATOR = new Image("corridor-operator", "e2e");
    static final Image SIDECAR = new Image("corridor-sidecar", "e2e");
    /** Also the client workloads' image, for its curl. */
    static final Image GATEWAY = new Image("corridor-e2e-gateway", "e2e");
    static final List<Image> ALL = List.of(OPERATOR, SIDECAR, GATEWAY);

    private SuiteImages() {
    }

    /** Builds the three at once, on virtual threads: the engine does the work, and the builds take minutes. */
    static CompletableFuture<Void> build() {
        return CompletableFuture.allOf(
                build(OPERATOR, fromRepository(OPERATOR, "operator/Dockerfile")),
                build(SIDECAR, fromRepository(SIDECAR, "sidecar/Dockerfile")),
                build(GATEWAY, new ImageFromDockerfile(GATEWAY.reference(), true).withFileFromPath(".", Repository.SUITE.resolve("ocserv"))));
    }

    private static CompletableFuture<Void> build(Image image, ImageFromDockerfile build) {
        return CompletableFuture.runAsync(build::get, task -> Thread.ofVirtual().name("build " + image.reference()).start(task));
    }

    /**
     * An image from one of the repository's Dockerfiles, with the repository root as build context, as
     * {@code docker build -f DOCKERFILE .} would send it. The Dockerfile goes in rewritten (see
     * {@link #forLegacyBuilder}), so by its path in the context: Testcontainers' {@code withDockerfile(Path)}, which
     * replaces the deprecated {@code withDockerfilePath}, reads the file and its context from the disk.
     */
    @SuppressWarnings("deprecation")
    private static ImageFromDockerfile fromRepository(Image image, String dockerfile) {
        try {
            ImageFromDockerfile build = new ImageFromDockerfile(image.reference(), true)
                    .withDockerfilePath(dockerfile)
                    .withFileFromString(dockerfile, forLegacyBuilder(dockerfile, Files.readString(Repository.ROOT.resolve(dockerfile))));
            for (String path : buildContext(Files.readAllLines(Repository.ROOT.resolve(".dockerignore")))) {
                build.withFileFromPath(path, Repository.ROOT.resolve(path));
            }
            return build;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final Pattern CACHE_MOUNT = Pattern.compile("(?m)^(RUN\\s+)--mount=type=cache,\\S+\\s+");
    private static final Pattern RUN_FLAG = Pattern.compile("(?m)^RUN\\s+(--\\S+)");
    private static final Pattern SYNTAX_DIRECTIVE = Pattern.compile("(?mi)^#\\s*syntax\\s*=");

    /**
     * The Dockerfile as the Engine API's build endpoint, which Testcontainers uses, can build it: that endpoint runs
     * the legacy builder, which knows no {@code RUN --mount} (testcontainers-java#2857). The repository's Dockerfiles
     * use BuildKit only for a cache of Maven's downloads, which changes how long a build takes and not what it
     * makes, so that flag is dropped. Any other BuildKit feature is refused here, by name, rather than half built.
     */
    static String forLegacyBuilder(String name, String dockerfile) {
        String legacy = CACHE_MOUNT.matcher(dockerfile).replaceAll("$1");
        Matcher flag = RUN_FLAG.matcher(legacy);
        if (flag.find()) {
            throw new IllegalStateException(name + " uses RUN " + flag.group(1) + ", which only BuildKit builds; Testcontainers builds with the legacy builder");
        }
        if (SYNTAX_DIRECTIVE.matcher(legacy).find()) {
            throw new IllegalStateException(name + " asks for a Dockerfile syntax (# syntax=), which only BuildKit honours");
        }
        return legacy;
    }

    /**
     * What .dockerignore lets into the build context. Testcontainers sends the files it is given and ignores
     * .dockerignore, so the suite reads it, in the one form the repository uses: {@code *}, then a {@code !path}
     * line for each file or directory the builds need.
     */
    static List<String> buildContext(List<String> dockerignore) {
        List<String> patterns = dockerignore.stream().map(String::strip).filter(line -> !line.isEmpty() && !line.startsWith("#")).toList();
        if (patterns.isEmpty() || !patterns.getFirst().equals("*")) {
            throw new IllegalStateException(".dockerignore does not start with '*'; the suite only reads an allow-list .dockerignore: " + patterns);
        }
        List<String> paths = new ArrayList<>();
        for (String pattern : patterns.subList(1, patterns.size())) {
            if (!pattern.startsWith("!") || pattern.matches(".*[*?\\[\\\\].*")) {
                throw new IllegalStateException(".dockerignore line '" + pattern + "' is not a plain '!path'; the suite only reads an allow-list .dockerignore");
            }
            String path = pattern.substring(1).replaceAll("/+$", "");
            if (!Files.exists(Repository.ROOT.resolve(path))) {
                throw new IllegalStateException(".dockerignore lets in '" + path + "', which does not exist");
            }
            paths.add(path);
        }
        return paths;
    }
}
