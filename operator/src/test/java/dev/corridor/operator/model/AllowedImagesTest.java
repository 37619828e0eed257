package dev.corridor.operator.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class AllowedImagesTest {
    private static final String DIGEST = "sha256:" + "ab".repeat(32);

    @Test
    void noneIsTheDefaultAndAllowsNothing() {
        assertThat(AllowedImages.NONE.allows("corridor-sidecar:0.1.0")).isFalse();
        assertThat(AllowedImages.NONE).hasToString("none");
    }

    @Test
    void aRepositoryAllowsItsTagsAndDigestsOnly() {
        AllowedImages allowed = new AllowedImages(List.of("registry.example.com/corridor/sidecar"));

        assertThat(allowed.allows("registry.example.com/corridor/sidecar")).isTrue();
        assertThat(allowed.allows("registry.example.com/corridor/sidecar:0.2.0"))
                .isTrue();
        assertThat(allowed.allows("registry.example.com/corridor/sidecar@" + DIGEST))
                .isTrue();
        assertThat(allowed.allows("registry.example.com/corridor/sidecar-debug:0.2.0"))
                .isFalse();
        assertThat(allowed.allows("registry.example.com/corridor/sidecar/other:1"))
                .isFalse();
        assertThat(allowed.allows("registry.example.com/corridor/sidecarx")).isFalse();
    }

    @Test
    void aPrefixEndingInASlashAllowsEverythingBelowIt() {
        AllowedImages allowed = new AllowedImages(List.of("registry.example.com/corridor/"));

        assertThat(allowed.allows("registry.example.com/corridor/sidecar:0.2.0"))
                .isTrue();
        assertThat(allowed.allows("registry.example.com/corridor/team/sidecar:1"))
                .isTrue();
        assertThat(allowed.allows("registry.example.com/corridor-evil/sidecar:1"))
                .isFalse();
        assertThat(allowed.allows("registry.example.com.evil.test/corridor/sidecar:1"))
                .isFalse();
    }

    @Test
    void aRegistryWithoutASlashDoesNotAllowAnotherPortOfIt() {
        AllowedImages allowed = new AllowedImages(List.of("registry.example.com"));

        assertThat(allowed.allows("registry.example.com:5000/evil:1")).isFalse();
        assertThat(allowed.allows("registry.example.com/corridor/sidecar:1")).isFalse();
    }

    @Test
    void aDigestAllowsThatContentFromAnyRepository() {
        AllowedImages allowed = new AllowedImages(List.of(DIGEST));

        assertThat(allowed.allows("mirror.example.com/sidecar@" + DIGEST)).isTrue();
        assertThat(allowed.allows("mirror.example.com/sidecar:" + DIGEST.substring(7)))
                .isFalse();
        assertThat(allowed.allows("mirror.example.com/sidecar@sha256:" + "cd".repeat(32)))
                .isFalse();
    }

    @Test
    void anEntryThatIsNoImageIsRefusedByValue() {
        assertThatThrownBy(() -> new AllowedImages(List.of("registry example")))
                .hasMessage("'registry example' is neither sha256:HEX nor an image reference or prefix");
        assertThatThrownBy(() -> new AllowedImages(List.of("*")))
                .hasMessage("'*' is neither sha256:HEX nor an image reference or prefix");
    }
}
