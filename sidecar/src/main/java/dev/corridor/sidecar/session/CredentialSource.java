package dev.corridor.sidecar.session;

import dev.corridor.sidecar.config.ConfigException;
import java.util.Optional;

/** Supplies what a login presents, read at each login, so that rotated secrets are picked up without a restart. */
public interface CredentialSource {
    /** @throws ConfigException when a configured secret, certificate or key cannot be read or used, naming it */
    LoginSecrets load() throws ConfigException;

    /**
     * A value that changes when the credentials do (e.g. a digest of the files they are read from), or empty for
     * credentials that cannot change, such as those read once from standard input. After a rejected login the
     * tunnel waits for this to change rather than send the same rejected credentials again.
     */
    Optional<String> revision();
}
