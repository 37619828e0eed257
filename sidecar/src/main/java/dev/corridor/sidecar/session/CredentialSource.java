package dev.corridor.sidecar.session;

import dev.corridor.sidecar.protocol.auth.Credentials;
import dev.corridor.sidecar.config.ConfigException;

/** Supplies credentials at each login, so that rotated secrets are picked up without a restart. */
@FunctionalInterface
public interface CredentialSource {
    /** @throws ConfigException when a configured secret cannot be read, naming it */
    Credentials load() throws ConfigException;
}
