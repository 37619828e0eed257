package dev.corridor.sidecar.protocol.auth;

import java.util.List;
import java.util.Optional;

/**
 * What a login may answer with: a user name, the passwords in the order the gateway asks for them (the password, then
 * each further static factor), answers to named fields, and a soft token for one-time codes.
 */
public record Credentials(
        Optional<String> username, List<String> passwords, List<FormEntry> formEntries, Optional<OneTimeCodes> codes) {

    public Credentials {
        passwords = List.copyOf(passwords);
        formEntries = List.copyOf(formEntries);
    }

    /** A user name and passwords, nothing else. */
    public static Credentials of(Optional<String> username, List<String> passwords) {
        return new Credentials(username, passwords, List.of(), Optional.empty());
    }

    @Override
    public String toString() {
        return "Credentials[username=" + username.orElse("<none>") + ", passwords=" + passwords.size() + " (redacted), "
                + formEntries + (codes.isPresent() ? ", token" : "") + "]";
    }
}
