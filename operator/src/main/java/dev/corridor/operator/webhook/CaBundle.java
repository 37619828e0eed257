package dev.corridor.operator.webhook;

import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The caBundle the webhook configuration should hold. Replicas publish in turn and one may work from an older read of
 * the CA Secret than another, so a replica never replaces the bundle with its own CAs: it adds them to those already
 * published, and only expired ones leave. A CA another replica introduced stays trusted for as long as it is valid.
 */
final class CaBundle {
    private CaBundle() {}

    /** Every CA of either list that has not expired, each once, newest first. */
    static List<X509Certificate> merged(
            Collection<X509Certificate> published, Collection<X509Certificate> ours, Instant now) {
        Set<X509Certificate> unique = new LinkedHashSet<>();
        Stream.concat(ours.stream(), published.stream())
                .filter(ca -> ca.getNotAfter().toInstant().isAfter(now))
                .forEach(unique::add);
        return unique.stream()
                .sorted(Comparator.comparing(X509Certificate::getNotBefore).reversed())
                .toList();
    }
}
