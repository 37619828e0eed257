package dev.corridor.sidecar.protocol.auth;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Answers the gateway's login forms from the configuration, one form at a time, the way openconnect does
 * non-interactively. A form that asks again for a field already answered means the gateway refused it:
 * that ends the login instead of resubmitting (each wrong password adds to the gateway's ban score).
 */
public final class LoginDialogue {
    /** The select through which ocserv (and ASA) offer the authentication groups. */
    static final String GROUP_FIELD = "group_list";

    private final Credentials credentials;
    private final Optional<String> authGroup;
    private final Set<String> answered = new HashSet<>();
    private int passwordsUsed;

    public LoginDialogue(Credentials credentials, Optional<String> authGroup) {
        this.credentials = credentials;
        this.authGroup = authGroup;
    }

    /** The answers to one form, in form order, plus the group selection that travels outside {@code <auth>}. */
    public record Answers(List<Map.Entry<String, String>> fields, Optional<String> groupSelect) {
        public Answers {
            fields = List.copyOf(fields);
        }
    }

    public Answers answer(AuthReply.Form form) throws AuthenticationException {
        for (FormField field : form.fields()) {
            if (field.kind() != FormField.Kind.HIDDEN && answered.contains(field.name())) {
                throw AuthenticationException.rejected("the gateway rejected the login for "
                        + credentials.username().map(u -> "user '" + u + "'").orElse("this client")
                        + ": it asks again for " + field.describe() + serverSays(form));
            }
        }
        List<Map.Entry<String, String>> fields = new ArrayList<>();
        Optional<String> groupSelect = Optional.empty();
        for (FormField field : form.fields()) {
            switch (field.kind()) {
                case HIDDEN -> fields.add(Map.entry(field.name(), field.value()));
                case SELECT -> groupSelect = select(field);
                case TEXT -> fields.add(Map.entry(field.name(), text(field)));
                case PASSWORD -> fields.add(Map.entry(field.name(), password(field)));
                case OTHER -> throw AuthenticationException.unanswerable("the gateway's login form asks for "
                        + field.describe() + ", an input Corridor cannot fill in unattended");
            }
            answered.add(field.name());
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
                + (offered.isEmpty() ? "none" : String.join(", ", offered)));
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

    private static String serverSays(AuthReply.Form form) {
        String said = form.error().or(form::message).orElse("").replace('\n', ' ').strip();
        return said.isEmpty() ? "" : " (gateway says: " + said + ")";
    }
}
