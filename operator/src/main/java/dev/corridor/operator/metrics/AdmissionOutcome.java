package dev.corridor.operator.metrics;

import java.util.Locale;

/** What the webhook did with a pod: the {@code outcome} label of {@code corridor_webhook_admission_seconds}. */
public enum AdmissionOutcome {
    /** The sidecar was added. */
    INJECTED,
    /** Allowed unchanged: no annotation, or the sidecar is there already. */
    SKIPPED,
    /** Refused: the pod names a tunnel that is missing or invalid. */
    DENIED,
    /** The request could not be answered (a malformed review, an error looking up the tunnel). */
    FAILED;

    String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
