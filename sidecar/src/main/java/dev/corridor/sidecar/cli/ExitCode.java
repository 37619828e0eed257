package dev.corridor.sidecar.cli;

import dev.corridor.sidecar.session.TunnelFailure;

/** The process exit codes, one per kind of failure a script or a kubelet may want to tell apart. */
public enum ExitCode {
    OK(0, "the tunnel was stopped (SIGTERM or SIGINT) and cleaned up"),
    FAILURE(1, "an unexpected error"),
    BAD_CONFIGURATION(2, "bad command line or configuration"),
    AUTHENTICATION_REJECTED(3, "the gateway refused credentials read from standard input"),
    CERTIFICATE_NOT_TRUSTED(4, "the gateway's certificate is neither trusted nor pinned"),
    GATEWAY_UNREACHABLE(5, "the gateway cannot be reached"),
    NETWORK_SETUP_FAILED(6, "the tun device or routes could not be set up"),
    PROTOCOL_ERROR(7, "the gateway broke the protocol or refused the tunnel"),
    SESSION_LOST(8, "a lost session could not be re-established within the reconnect timeout");

    public final int code;
    final String meaning;

    ExitCode(int code, String meaning) {
        this.code = code;
        this.meaning = meaning;
    }

    static ExitCode of(TunnelFailure.Kind kind) {
        return switch (kind) {
            case CONFIGURATION -> BAD_CONFIGURATION;
            case AUTHENTICATION -> AUTHENTICATION_REJECTED;
            case UNTRUSTED_CERTIFICATE -> CERTIFICATE_NOT_TRUSTED;
            case UNREACHABLE -> GATEWAY_UNREACHABLE;
            case NETWORK_SETUP -> NETWORK_SETUP_FAILED;
            case PROTOCOL -> PROTOCOL_ERROR;
            case SESSION_LOST -> SESSION_LOST;
        };
    }
}
