package dev.corridor.sidecar.protocol.auth;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Answers the gateway's login forms from the configuration, one form at a time, the way openconnect does
 * non-interactively: each password prompt takes the next configured password (ocserv asks for an OTP through a
 * second field named {@code password}). A form that says the login failed ends the login instead of being
 * answered again: each wrong password adds to the gateway's ban score.
 */
public final class LoginDialogue {
    /** The select through which ocserv (and ASA) offer the authentication groups. */
    static final String GROUP_FIELD = "group_list";
    /** How ocserv's plain, PAM and RADIUS back ends start the form they repeat after a wrong password. */
    static final String LOGIN_FAILED = "login failed";

    private final Credentials credentials;
    private final Optional<String> authGroup;
    private int passwordsUsed;
    private boolean groupRequested;

    public LoginDialogue(Credentials credentials, Optional<String> authGroup) {
        this.credentials = credentials;
        this.authGroup = authGroup;
    }

    /** What to send for a form. */
    public sealed interface Step {
    }

    /** The answers to a form, in form order, plus the group selection that travels outside {@code <auth>}. */
    public record Answers(List<Map.Entry<String, String>> fields, Optional<String> groupSelect) implements Step {
        public Answers {
            fields = List.copyOf(fields);
        }
    }

    /**
     * Ask the gateway for another group's form first (an init naming the group), as openconnect does when the
     * wanted group is not the form's default: a gateway may ask different questions per group.
     */
    public record SwitchGroup(String group) implements Step {
    }

    public Step answer(AuthReply.Form form) throws AuthenticationException {
        if (saysLoginFailed(form)) {
            // The user name stays out: this text reaches /status, logs and Kubernetes Events.
            throw AuthenticationException.rejected("the gateway rejected the login"
                    + (credentials.username().isPresent() ? " for the configured user" : "")
                    + " (gateway says: " + form.error().or(form::message).orElseThrow().replace('\n', ' ').strip() + ")");
        }
        if (form.fields().isEmpty()) {
            // An empty answer would only bring the form back, up to the login's limit; openconnect refuses it too.
            throw AuthenticationException.unanswerable("the gateway's login form " + (form.authId().isEmpty() ? "" : "'" + form.authId() + "' ")
                    + "has no field to fill in" + form.message().map(m -> " (gateway says: " + m.replace('\n', ' ').strip() + ")").orElse("")
                    + "; it may want a client certificate, which Corridor does not present, or another auth group (--authgroup)");
        }
        List<Map.Entry<String, String>> fields = new ArrayList<>();
        Optional<String> groupSelect = Optional.empty();
        for (FormField field : form.fields()) {
            switch (field.kind()) {
                case HIDDEN -> fields.add(Map.entry(field.name(), field.value()));
                case SELECT -> {
                    groupSelect = select(field);
                    boolean isDefault = groupSelect.isEmpty() || field.options().isEmpty()
                            || field.options().getFirst().value().equals(groupSelect.get());
                    if (!isDefault && !groupRequested) {
                        groupRequested = true;
                        return new SwitchGroup(groupSelect.get());
                    }
                }
                case TEXT -> fields.add(Map.entry(field.name(), text(field)));
                case PASSWORD -> fields.add(Map.entry(field.name(), password(field)));
                case OTHER -> throw AuthenticationException.unanswerable("the gateway's login form asks for "
                        + field.describe() + ", an input Corridor cannot fill in unattended");
            }
        }
        return new Answers(fields, groupSelect);
    }

    private Optional<String> select(FormField field) throws AuthenticationException {
        if (!field.name().equals(GROUP_FIELD)) {
            throw AuthenticationException.unanswerable("the gateway's login form asks to choose " + field.describe()
                    + ", a choice Corridor has no setting for");
        }
        if (authGroup.isEmpty()) {
            // Like openconnect without --authgroup: leave the choice to the gateway's default group.
            return Optional.empty();
        }
        String wanted = authGroup.get();
        for (FormField.Option option : field.options()) {
            if (option.value().equals(wanted) || option.label().equals(wanted)) {
                return Optional.of(option.value());
            }
        }
        List<String> offered = field.options().stream().map(FormField.Option::value).toList();
        throw AuthenticationException.unanswerable("auth group '" + wanted + "' is not offered by the gateway; it offers "
                + (offered.isEmpty() ? "none (leave --authgroup unset for the gateway's default)"
                        : String.join(", ", offered) + " (set --authgroup to one of them, or leave it unset for the gateway's default)"));
    }

    private String text(FormField field) throws AuthenticationException {
        if (!field.name().equals("username")) {
            throw AuthenticationException.unanswerable("the gateway's login form asks for " + field.describe()
                    + ", which Corridor cannot answer from its configuration");
        }
        return credentials.username().orElseThrow(() -> AuthenticationException.unanswerable(
                "the gateway asks for a user name " + field.describe() + " but none is configured (set --user or --user-file)"));
    }

    private String password(FormField field) throws AuthenticationException {
        if (passwordsUsed >= credentials.passwords().size()) {
            throw AuthenticationException.unanswerable("the gateway asks for password " + (passwordsUsed + 1) + ", "
                    + field.describe() + ", but " + credentials.passwords().size() + " "
                    + (credentials.passwords().size() == 1 ? "is" : "are")
                    + " configured (one line per password in --password-file or on standard input)");
        }
        return credentials.passwords().get(passwordsUsed++);
    }

    /**
     * A failed attempt comes back as the same form with an {@code <error>} (ASA), or with ocserv's
     * "Login failed." in front of the prompt.
     */
    private static boolean saysLoginFailed(AuthReply.Form form) {
        return form.error().isPresent()
                || form.message().map(m -> m.toLowerCase(Locale.ROOT).startsWith(LOGIN_FAILED)).orElse(false);
    }
}
