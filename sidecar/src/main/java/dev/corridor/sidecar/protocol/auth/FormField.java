package dev.corridor.sidecar.protocol.auth;

import java.util.List;
import java.util.Optional;

/**
 * One input of a login form.
 *
 * @param secondAuth the input belongs to an ASA's second authentication ({@code second-auth="1"}): it is asked only
 *                   when the chosen group has one
 */
public record FormField(String name, Kind kind, String label, String value, List<Option> options, boolean secondAuth) {

    /** How an input is filled: {@code SSO} is the token an SSO login yields ({@code <input type="sso">}). */
    public enum Kind {
        TEXT,
        PASSWORD,
        HIDDEN,
        SELECT,
        SSO,
        OTHER
    }

    /**
     * An {@code <option>} of a select. For the group list, what the group asks of the form's other inputs
     * (openconnect library.c process_auth_form): none of them ({@code noaaa="1"}), or the second authentication's
     * too ({@code second-auth="1"}), whose user name it may name ({@code secondary_username}).
     *
     * @param selected the gateway's default choice ({@code selected="true"})
     */
    public record Option(
            String value,
            String label,
            boolean selected,
            boolean noAaa,
            boolean secondAuth,
            Optional<String> secondaryUsername) {
        public Option(String value, String label) {
            this(value, label, false, false, false, Optional.empty());
        }
    }

    public FormField {
        options = List.copyOf(options);
    }

    public FormField(String name, Kind kind, String label, String value, List<Option> options) {
        this(name, kind, label, value, options, false);
    }

    /** How the field reads in an error message: {@code 'secondary_password' (Password2:)}. */
    public String describe() {
        return label.isEmpty() ? "'" + name + "'" : "'" + name + "' (" + label + ")";
    }
}
