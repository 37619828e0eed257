package dev.corridor.sidecar.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corridor.sidecar.http.StatusToken.Check;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StatusTokenTest {
    private static final long RECHECK = StatusToken.RECHECK_INTERVAL.toNanos();

    @TempDir
    Path dir;

    private final AtomicLong now = new AtomicLong();

    @Test
    void aRotatedKubernetesSecretTakesEffectAtTheNextRecheck() throws Exception {
        // The kubelet's layout: token -> ..data/token, ..data -> ..<timestamp>; a rotation writes a new timestamped
        // directory and swaps the ..data link in one rename.
        secretVersion("..2026_11_22_07_00_00.1", "first-token\n");
        Files.createSymbolicLink(dir.resolve("..data"), Path.of("..2026_11_22_07_00_00.1"));
        Path token = Files.createSymbolicLink(dir.resolve("token"), Path.of("..data/token"));
        StatusToken statusToken = new StatusToken(token, now::get);
        assertThat(statusToken.check(bearer("first-token"))).isEqualTo(Check.ACCEPTED);

        secretVersion("..2026_11_22_08_00_00.2", "second-token\n");
        Files.createSymbolicLink(dir.resolve("..data_tmp"), Path.of("..2026_11_22_08_00_00.2"));
        Files.move(dir.resolve("..data_tmp"), dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);

        now.addAndGet(RECHECK - 1);
        assertThat(statusToken.check(bearer("first-token")))
                .as("within the interval")
                .isEqualTo(Check.ACCEPTED);
        now.addAndGet(1);
        assertThat(statusToken.check(bearer("second-token"))).isEqualTo(Check.ACCEPTED);
        assertThat(statusToken.check(bearer("first-token"))).isEqualTo(Check.WRONG);
    }

    @Test
    void aFileRewrittenInPlaceIsReadAgain() throws Exception {
        Path token = Files.writeString(dir.resolve("token"), "first-token");
        StatusToken statusToken = new StatusToken(token, now::get);

        Files.writeString(token, "second-token-longer");
        now.addAndGet(RECHECK);

        assertThat(statusToken.check(bearer("second-token-longer"))).isEqualTo(Check.ACCEPTED);
    }

    @Test
    void aFileWithTheSameTimeSizeAndIdentityIsNotReadAgain() throws Exception {
        Path token = Files.writeString(dir.resolve("token"), "the-token");
        FileTime written = Files.getLastModifiedTime(token);
        StatusToken statusToken = new StatusToken(token, now::get);

        Files.writeString(token, "new-token");
        Files.setLastModifiedTime(token, written);
        now.addAndGet(RECHECK);

        assertThat(statusToken.check(bearer("the-token")))
                .as("one stat, no read")
                .isEqualTo(Check.ACCEPTED);
    }

    @Test
    void aTokenFileThatEmptiesOrGoesAwayLetsNobodyInUntilItHoldsATokenAgain() throws Exception {
        Path token = Files.writeString(dir.resolve("token"), "the-token");
        StatusToken statusToken = new StatusToken(token, now::get);

        Files.writeString(token, "\n");
        now.addAndGet(RECHECK);
        assertThat(statusToken.check(bearer("the-token"))).isEqualTo(Check.UNAVAILABLE);

        Files.delete(token);
        now.addAndGet(RECHECK);
        assertThat(statusToken.check(bearer("the-token"))).isEqualTo(Check.UNAVAILABLE);

        Files.writeString(token, "the-new-token\n");
        now.addAndGet(RECHECK);
        assertThat(statusToken.check(bearer("the-new-token"))).isEqualTo(Check.ACCEPTED);
    }

    @Test
    void aFileThatCannotHoldATokenIsRefusedNamingWhy() throws Exception {
        assertThat(new StatusToken(
                                Files.writeString(dir.resolve("big"), "x".repeat(StatusToken.MAX_BYTES + 1)), now::get)
                        .check(bearer("x".repeat(StatusToken.MAX_BYTES + 1))))
                .isEqualTo(Check.UNAVAILABLE);
        assertThat(new StatusToken(Files.writeString(dir.resolve("two-lines"), "first\nsecond\n"), now::get)
                        .check(bearer("first")))
                .isEqualTo(Check.UNAVAILABLE);
    }

    @Test
    void onlyABearerCredentialCounts() throws Exception {
        StatusToken statusToken = new StatusToken(Files.writeString(dir.resolve("token"), "the-token\n"), now::get);

        assertThat(statusToken.check(Optional.empty())).isEqualTo(Check.MISSING);
        assertThat(statusToken.check(Optional.of("the-token"))).isEqualTo(Check.MISSING);
        assertThat(statusToken.check(Optional.of("Basic the-token"))).isEqualTo(Check.MISSING);
        assertThat(statusToken.check(Optional.of("Bearer"))).isEqualTo(Check.MISSING);
        assertThat(statusToken.check(Optional.of("BEARER the-token"))).isEqualTo(Check.ACCEPTED);
        assertThat(statusToken.check(Optional.of("Bearer the-token "))).isEqualTo(Check.ACCEPTED);
        assertThat(statusToken.check(Optional.of("Bearer the-tokens"))).isEqualTo(Check.WRONG);
    }

    private void secretVersion(String name, String token) throws Exception {
        Files.writeString(Files.createDirectory(dir.resolve(name)).resolve("token"), token);
    }

    private static Optional<String> bearer(String token) {
        return Optional.of("Bearer " + token);
    }
}
