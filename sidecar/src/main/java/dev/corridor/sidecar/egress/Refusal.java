package dev.corridor.sidecar.egress;

/** Why a destination cannot be reached, for the client's reply (a SOCKS status, an HTTP status and body) and the log. */
final class Refusal extends Exception {
    final Outcome outcome;

    Refusal(Outcome outcome, String reason) {
        super(reason, null, false, false);
        this.outcome = outcome;
    }
}
