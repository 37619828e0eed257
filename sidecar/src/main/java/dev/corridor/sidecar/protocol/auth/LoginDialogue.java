package dev.corridor.sidecar.protocol.auth;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Answers the gateway's login forms from the configuration, one form at a time, the way openconnect does
 * non-interactively ({@code auth.c}, {@code main.c process_auth_form_cb}):
 * <ul>
 *   <li>a field named in a form entry ({@code -F FORM:FIELD=VALUE}) takes that value, whatever its kind;</li>
 *   <li>a text field whose name starts with {@code user} or {@code uname} takes the user name;</li>
 *   <li>a password field takes a one-time code when it is the second factor's ({@code secondary_password}, any
 *       password of a {@code challenge} form, or ocserv's OTP round once the static passwords are used up), else the
 *       next configured password; {@code answer}, {@code whichpin} and {@code new_password} are sent as
 *       {@code password}, {@code verify_pin} and {@code verify_password} not at all;</li>
 *   <li>the {@code group_list} select takes the configured group, and the chosen group decides which other inputs
 *       are asked: none for a group without authentication, those of a second authentication only for a group that
 *       has one, whose {@code secondary_username} the group may name;</li>
 *   <li>other selects, and inputs no rule answers, take form entries only.</li>
 * </ul>
 * A form that says the login failed ends the login instead of being answered again: each wrong password adds to the
 * gateway's ban score, and a one-time code is never sent twice.
 */
public final class LoginDialogue {
    /** The select through which ocserv (and ASA) offer the authentication groups. */
    static final String GROUP_FIELD = "group_list";
    /** How ocserv's plain, PAM and RADIUS back ends start the form they repeat after a wrong password. */
    static final String LOGIN_FAILED = "login failed";
    /** The field of an ASA's second factor (double authentication). */
    static final String SECOND_FACTOR_FIELD = "secondary_password";
    /** The user name of an ASA's second authentication. */
    static final String SECOND_USER_FIELD = "secondary_username";
    /** The form of a RADIUS challenge: its password is the second factor. */
    static final String CHALLENGE_FORM = "challenge";
    /** Fields openconnect sends as {@code password} (auth.c: token PINs and a new password). */
    private static final Set<String> SENT_AS_PASSWORD = Set.of("answer", "whichpin", "new_password");
    /** Confirmation fields openconnect leaves out. */
    private static final Set<String> NOT_SENT = Set.of("verify_pin", "verify_password");
    /** openconnect tries a soft token's code at most twice; a third would risk locking the account. */
    static final int MAX_CODES = 2;

    private final Credentials credentials;
    private final Optional<String> authGroup;
    private int passwordsUsed;
    private int codesSent;
    private boolean groupRequested;

    public LoginDialogue(Credentials credentials, Optional<String> authGroup) {
        this.credentials = credentials;
        this.authGroup = authGroup;
    }

    /** What to send for a form. */
    public sealed interface Step {}

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
    public record SwitchGroup(String group) implements Step {}

    public Step answer(AuthReply.Form form) throws AuthenticationException {
        if (saysLoginFailed(form)) {
            // The user name stays out: this text reaches /status, logs and Kubernetes Events.
            String gatewaySays = " (gateway says: "
                    + form.error()
                            .or(form::message)
                            .orElseThrow()
                            .replace('\n', ' ')
                            .strip() + ")";
            if (codesSent > 0) {
                throw AuthenticationException.rejected(
                        "the gateway refused the login with the one-time code" + gatewaySays
                                + "; no code is sent twice. Check the clock (TOTP codes are time-based) and the token seed");
            }
            throw AuthenticationException.rejected("the gateway rejected the login"
                    + (credentials.username().isPresent() ? " for the configured user" : "") + gatewaySays);
        }
        if (form.sso().isPresent() || form.fields().stream().anyMatch(f -> f.kind() == FormField.Kind.SSO)) {
            throw AuthenticationException.unanswerable(
                    "the gateway logs in with single sign-on (SAML) only: log in once with "
                            + "'corridor-sidecar authenticate --external-browser URL' (or openconnect --authenticate) and hand the "
                            + "session cookie over with --cookie-file or --cookie-on-stdin");
        }
        if (form.fields().isEmpty()) {
            // An empty answer would only bring the form back, up to the login's limit; openconnect refuses it too.
            throw AuthenticationException.unanswerable("the gateway's login form "
                    + (form.authId().isEmpty() ? "" : "'" + form.authId() + "' ")
                    + "has no field to fill in"
                    + form.message()
                            .map(m -> " (gateway says: " + m.replace('\n', ' ').strip() + ")")
                            .orElse("")
                    + "; it may want a client certificate (--certificate) or another auth group (--authgroup)");
        }
        Optional<FormField> groupList = form.fields().stream()
                .filter(field ->
                        field.kind() == FormField.Kind.SELECT && field.name().equals(GROUP_FIELD))
                .findFirst();
        Optional<String> groupSelect = Optional.empty();
        Optional<FormField.Option> group = Optional.empty();
        if (groupList.isPresent()) {
            groupSelect = group(groupList.get(), entry(form, groupList.get()));
            Optional<FormField.Option> gatewayDefault = groupList.get().options().stream()
                    .filter(FormField.Option::selected)
                    .findFirst()
                    .or(() -> groupList.get().options().stream().findFirst());
            Optional<String> wanted = groupSelect;
            group = wanted.flatMap(value -> groupList.get().options().stream()
                            .filter(option -> option.value().equals(value))
                            .findFirst())
                    .or(() -> gatewayDefault);
            if (wanted.isPresent()
                    && !gatewayDefault
                            .map(option -> option.value().equals(wanted.get()))
                            .orElse(true)
                    && !groupRequested) {
                groupRequested = true;
                return new SwitchGroup(wanted.get());
            }
        }
        List<Map.Entry<String, String>> fields = new ArrayList<>();
        for (FormField field : form.fields()) {
            Optional<String> entry = entry(form, field);
            if ((field.kind() == FormField.Kind.TEXT || field.kind() == FormField.Kind.PASSWORD)
                    && notAsked(field, group)) {
                // Sent as it came, as openconnect sends an input it marks IGNORE.
                fields.add(Map.entry(field.name(), field.value()));
                continue;
            }
            switch (field.kind()) {
                case HIDDEN -> fields.add(Map.entry(field.name(), entry.orElse(field.value())));
                case SELECT -> {
                    if (!field.name().equals(GROUP_FIELD)) {
                        fields.add(Map.entry(field.name(), choose(form, field, entry)));
                    }
                }
                case TEXT ->
                    fields.add(Map.entry(field.name(), entry.isPresent() ? entry.get() : text(form, field, group)));
                case PASSWORD -> {
                    if (NOT_SENT.contains(field.name())) {
                        continue;
                    }
                    String name = SENT_AS_PASSWORD.contains(field.name()) ? "password" : field.name();
                    fields.add(Map.entry(name, entry.isPresent() ? entry.get() : password(form, field)));
                }
                case SSO, OTHER ->
                    throw AuthenticationException.unanswerable("the gateway's login form asks for "
                            + field.describe() + ", an input Corridor cannot fill in unattended; answer it with -F "
                            + formName(form) + ":" + field.name() + "=VALUE");
            }
        }
        return new Answers(fields, groupSelect);
    }

    /**
     * What the chosen group does not ask (openconnect library.c process_auth_form): no input at all of a group without
     * authentication ({@code noaaa}), and no input of the second authentication unless the group has one.
     */
    private static boolean notAsked(FormField field, Optional<FormField.Option> group) {
        return group.map(chosen -> chosen.noAaa() || (field.secondAuth() && !chosen.secondAuth()))
                .orElse(false);
    }

    /** The configured answer to this field of this form, if any. */
    private Optional<String> entry(AuthReply.Form form, FormField field) {
        return credentials.formEntries().stream()
                .filter(e -> e.form().equals(formName(form)) && e.field().equals(field.name()))
                .map(FormEntry::value)
                .reduce((first, later) -> later);
    }

    private static String formName(AuthReply.Form form) {
        return form.authId().isEmpty() ? "main" : form.authId();
    }

    private Optional<String> group(FormField field, Optional<String> entry) throws AuthenticationException {
        Optional<String> wanted = authGroup.or(() -> entry);
        if (wanted.isEmpty()) {
            // Like openconnect without --authgroup: leave the choice to the gateway's default group.
            return Optional.empty();
        }
        for (FormField.Option option : field.options()) {
            if (option.value().equals(wanted.get()) || option.label().equals(wanted.get())) {
                return Optional.of(option.value());
            }
        }
        List<String> offered =
                field.options().stream().map(FormField.Option::value).toList();
        throw AuthenticationException.unanswerable(
                "auth group '" + wanted.get() + "' is not offered by the gateway; it offers "
                        + (offered.isEmpty()
                                ? "none (leave --authgroup unset for the gateway's default)"
                                : String.join(", ", offered)
                                        + " (set --authgroup to one of them, or leave it unset for the gateway's default)"));
    }

    /** Another select: the configured option, by value or label. */
    private String choose(AuthReply.Form form, FormField field, Optional<String> entry) throws AuthenticationException {
        if (entry.isEmpty()) {
            throw AuthenticationException.unanswerable("the gateway's login form asks to choose " + field.describe()
                    + ", a choice Corridor has no setting for; answer it with -F " + formName(form) + ":" + field.name()
                    + "=VALUE");
        }
        for (FormField.Option option : field.options()) {
            if (option.value().equals(entry.get()) || option.label().equals(entry.get())) {
                return option.value();
            }
        }
        throw AuthenticationException.unanswerable("'" + entry.get() + "' is not among the choices of "
                + field.describe() + ": "
                + String.join(
                        ", ",
                        field.options().stream().map(FormField.Option::value).toList()));
    }

    private String text(AuthReply.Form form, FormField field, Optional<FormField.Option> group)
            throws AuthenticationException {
        if (field.name().equals(SECOND_USER_FIELD)) {
            // The chosen group may name the second authentication's user; otherwise only the configuration can.
            return group.flatMap(FormField.Option::secondaryUsername)
                    .orElseThrow(() -> AuthenticationException.unanswerable(
                            "the gateway's login form asks for the second authentication's user name "
                                    + field.describe() + "; answer it with -F " + formName(form) + ":" + field.name()
                                    + "=USER"));
        }
        String name = field.name().toLowerCase(Locale.ROOT);
        if (!name.startsWith("user") && !name.startsWith("uname")) {
            throw AuthenticationException.unanswerable("the gateway's login form asks for " + field.describe()
                    + ", which Corridor cannot answer from its configuration; answer it with -F " + formName(form) + ":"
                    + field.name() + "=VALUE");
        }
        return credentials
                .username()
                .orElseThrow(() -> AuthenticationException.unanswerable("the gateway asks for a user name "
                        + field.describe() + " but none is configured (set --user or --user-file)"));
    }

    private String password(AuthReply.Form form, FormField field) throws AuthenticationException {
        boolean secondFactor =
                field.name().equals(SECOND_FACTOR_FIELD) || formName(form).equals(CHALLENGE_FORM);
        boolean passwordsLeft = passwordsUsed < credentials.passwords().size();
        if (credentials.codes().isPresent() && (secondFactor || !passwordsLeft)) {
            return code(field);
        }
        if (!passwordsLeft) {
            throw AuthenticationException.unanswerable("the gateway asks for password " + (passwordsUsed + 1) + ", "
                    + field.describe() + ", but " + credentials.passwords().size() + " "
                    + (credentials.passwords().size() == 1 ? "is" : "are")
                    + " configured (one line per password in --password-file or on standard input, or --token-mode for a "
                    + "one-time code)");
        }
        return credentials.passwords().get(passwordsUsed++);
    }

    private String code(FormField field) throws AuthenticationException {
        if (codesSent >= MAX_CODES) {
            throw AuthenticationException.rejected(
                    "the gateway asks for a one-time code (" + field.describe() + ") a third time; "
                            + "two were sent, and no more are, lest the account be locked. Check the clock and the token seed");
        }
        codesSent++;
        return credentials.codes().orElseThrow().next();
    }

    /**
     * A failed attempt comes back as the same form with an {@code <error>} (ASA), or with ocserv's
     * "Login failed." in front of the prompt.
     */
    private static boolean saysLoginFailed(AuthReply.Form form) {
        return form.error().isPresent()
                || form.message()
                        .map(m -> m.toLowerCase(Locale.ROOT).startsWith(LOGIN_FAILED))
                        .orElse(false);
    }
}
