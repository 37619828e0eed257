package dev.corridor.sidecar.protocol.auth;

import java.util.List;
import java.util.Optional;

/**
 * What a login may answer with: a user name and the passwords in the order the gateway asks for them
 * (the password, then each further factor).
 */
public record Credentials(Optional<String> username, List<String> passwords) {

    public Credentials {
        passwords = List.copyOf(passwords);
    }

    @Override
    public String toString() {
        return "Credentials[username=" + username.orElse("<none>") + ", passwords=" + passwords.size() + " (redacted)]";
    }
}
