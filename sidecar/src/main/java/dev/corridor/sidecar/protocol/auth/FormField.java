package dev.corridor.sidecar.protocol.auth;

import java.util.List;

/** One input of a login form. */
public record FormField(String name, Kind kind, String label, String value, List<Option> options) {

    /** How an input is filled: {@code SSO} is the token an SSO login yields ({@code <input type="sso">}). */
    public enum Kind { TEXT, PASSWORD, HIDDEN, SELECT, SSO, OTHER }

    /** An {@code <option>} of a select. */
    public record Option(String value, String label) {
    }

    public FormField {
        options = List.copyOf(options);
    }

    /** How the field reads in an error message: {@code 'secondary_password' (Password2:)}. */
    public String describe() {
        return label.isEmpty() ? "'" + name + "'" : "'" + name + "' (" + label + ")";
    }
}
