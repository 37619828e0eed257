package dev.corridor.sidecar.config;

import dev.corridor.sidecar.token.TokenMode;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A soft token for one-time codes, as openconnect's {@code --token-mode} and {@code --token-secret}: the secret given
 * inline, or in a file that is read at every login (and, for HOTP, where the advanced counter is written back).
 */
public record TokenConfig(TokenMode mode, Optional<String> secret, Optional<Path> secretFile) {

    @Override
    public String toString() {
        return "TokenConfig[" + mode + secretFile.map(f -> ", " + f).orElse(", inline") + "]"; // never the secret
    }
}
