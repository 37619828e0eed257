package dev.corridor.sidecar.testing;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * What makes this test run's machine resources (labs, network namespaces) its own, so that two runs on one machine
 * never destroy each other's: a short suffix for their names, from this JVM's process id, and an owner file per
 * resource, so that a later run removes what a run killed on the spot left, and only that.
 */
public final class TestRun {
    /** Three base-36 characters of the process id: short enough for namespace names (15 characters). */
    public static final String SUFFIX = suffix(ProcessHandle.current().pid());

    private static final Path OWNERS = Path.of("/run/corridor-test/owners");

    private TestRun() {}

    static String suffix(long pid) {
        String digits = Long.toString(pid % (36 * 36 * 36), 36);
        return "0".repeat(3 - digits.length()) + digits;
    }

    /** Records that this run owns the resource of this kind and name. */
    static void claim(String kind, String name) throws IOException {
        Files.createDirectories(OWNERS.resolve(kind));
        Files.writeString(
                OWNERS.resolve(kind).resolve(name),
                Long.toString(ProcessHandle.current().pid()));
    }

    /** Forgets the claim, once the resource is gone. */
    static void release(String kind, String name) {
        try {
            Files.deleteIfExists(OWNERS.resolve(kind).resolve(name));
        } catch (IOException e) {
            // a claim left behind is swept by the next run
        }
    }

    /** Removes, with {@code remover}, each resource of the kind whose owning run is no longer alive. */
    static void sweep(String kind, Consumer<String> remover) throws IOException {
        Path directory = OWNERS.resolve(kind);
        if (!Files.isDirectory(directory)) {
            return;
        }
        try (DirectoryStream<Path> claims = Files.newDirectoryStream(directory)) {
            for (Path claim : claims) {
                long owner;
                try {
                    owner = Long.parseLong(Files.readString(claim).strip());
                } catch (NumberFormatException e) {
                    owner = -1;
                }
                if (owner < 0 || ProcessHandle.of(owner).isEmpty()) {
                    remover.accept(claim.getFileName().toString());
                    Files.deleteIfExists(claim);
                }
            }
        }
    }
}
