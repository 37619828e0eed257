package dev.corridor.sidecar.transport;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Which gateway certificates to accept. With pins, the certificate must match one of them (or chain to the
 * {@code caFile} CA, when one is given too); the system store is then not consulted, so a pinned gateway
 * that turns up with another certificate is refused. Without pins, the chain must validate against the
 * system trust store or the {@code caFile} CAs, and name the gateway's host.
 */
public record TrustPolicy(List<PublicKeyPin> pins, Optional<Path> caFile) {

    public TrustPolicy {
        pins = List.copyOf(pins);
    }

    public static TrustPolicy systemDefault() {
        return new TrustPolicy(List.of(), Optional.empty());
    }
}
