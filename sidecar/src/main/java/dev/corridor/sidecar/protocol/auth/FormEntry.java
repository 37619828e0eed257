package dev.corridor.sidecar.protocol.auth;

/**
 * A configured answer to one field of one form ({@code -F FORM:FIELD=VALUE}, as openconnect's {@code --form-entry}):
 * {@code FORM} is the form's {@code <auth id>} ({@code main}, {@code challenge}, ...), {@code FIELD} the input's name.
 */
public record FormEntry(String form, String field, String value) {
    public FormEntry {
        if (form.isEmpty() || field.isEmpty()) {
            throw new IllegalArgumentException("a form entry names a form and a field: FORM:FIELD=VALUE");
        }
    }

    /**
     * Parses {@code FORM:FIELD=VALUE}; the value may contain ':' and '='.
     *
     * @throws IllegalArgumentException naming what is missing, never echoing the value
     */
    public static FormEntry parse(String text) {
        int eq = text.indexOf('=');
        if (eq < 0) {
            throw new IllegalArgumentException("a form entry is FORM:FIELD=VALUE; '=' is missing");
        }
        String key = text.substring(0, eq);
        int colon = key.indexOf(':');
        if (colon <= 0 || colon == key.length() - 1) {
            throw new IllegalArgumentException("a form entry is FORM:FIELD=VALUE; '" + key + "' is not FORM:FIELD");
        }
        return new FormEntry(key.substring(0, colon), key.substring(colon + 1), text.substring(eq + 1));
    }

    @Override
    public String toString() {
        return "FormEntry[" + form + ":" + field + "]"; // the value may be a secret
    }
}
