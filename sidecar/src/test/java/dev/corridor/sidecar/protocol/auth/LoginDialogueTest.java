package dev.corridor.sidecar.protocol.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LoginDialogueTest {
    private static final FormField USERNAME =
            new FormField("username", FormField.Kind.TEXT, "Username:", "", List.of());
    private static final FormField PASSWORD =
            new FormField("password", FormField.Kind.PASSWORD, "Password:", "", List.of());
    private static final FormField SECOND =
            new FormField("secondary_password", FormField.Kind.PASSWORD, "Password2:", "", List.of());
    private static final FormField GROUPS = new FormField(
            "group_list",
            FormField.Kind.SELECT,
            "Group:",
            "",
            List.of(new FormField.Option("eng", "Engineering"), new FormField.Option("ops", "Operations")));

    @Test
    void answersUsernameThenPasswordThenASecondFactor() throws Exception {
        LoginDialogue dialogue =
                new LoginDialogue(Credentials.of(Optional.of("alice"), List.of("pw1", "123456")), Optional.empty());
        assertThat(answers(dialogue, form(USERNAME)).fields()).containsExactly(Map.entry("username", "alice"));
        assertThat(answers(dialogue, form(PASSWORD)).fields()).containsExactly(Map.entry("password", "pw1"));
        assertThat(answers(dialogue, form(SECOND)).fields()).containsExactly(Map.entry("secondary_password", "123456"));
    }

    @Test
    void ocservsLoginFailedFormIsARejectionNotAnotherPrompt() throws Exception {
        LoginDialogue dialogue =
                new LoginDialogue(Credentials.of(Optional.of("alice"), List.of("wrong", "123456")), Optional.empty());
        dialogue.answer(form(USERNAME));
        dialogue.answer(form(PASSWORD));
        AuthReply.Form again = new AuthReply.Form(
                "main",
                Optional.of("Login failed.\nPlease enter your password."),
                Optional.empty(),
                Optional.empty(),
                "/auth",
                List.of(PASSWORD),
                Optional.empty());
        assertThatThrownBy(() -> dialogue.answer(again))
                .isInstanceOfSatisfying(
                        AuthenticationException.class,
                        e -> assertThat(e.rejectedByGateway()).isTrue())
                .hasMessage(
                        "the gateway rejected the login for the configured user (gateway says: Login failed. Please enter your password.)");
    }

    @Test
    void anErrorElementIsARejection() {
        LoginDialogue dialogue =
                new LoginDialogue(Credentials.of(Optional.of("alice"), List.of("pw")), Optional.empty());
        AuthReply.Form failed = new AuthReply.Form(
                "main",
                Optional.of("Please enter your password."),
                Optional.of("Login failed"),
                Optional.empty(),
                "/auth",
                List.of(PASSWORD),
                Optional.empty());
        assertThatThrownBy(() -> dialogue.answer(failed)).hasMessageContaining("(gateway says: Login failed)");
    }

    @Test
    void ocservsOtpPromptReusesThePasswordFieldAndTakesTheNextPassword() throws Exception {
        LoginDialogue dialogue =
                new LoginDialogue(Credentials.of(Optional.of("alice"), List.of("pw", "123456")), Optional.empty());
        dialogue.answer(form(USERNAME));
        assertThat(answers(dialogue, form(PASSWORD)).fields()).containsExactly(Map.entry("password", "pw"));
        AuthReply.Form otp = new AuthReply.Form(
                "main",
                Optional.of("Please enter your OTP password."),
                Optional.empty(),
                Optional.empty(),
                "/auth",
                List.of(PASSWORD),
                Optional.empty());
        assertThat(answers(dialogue, otp).fields()).containsExactly(Map.entry("password", "123456"));
    }

    @Test
    void choosesTheAuthGroupByValueOrLabel() throws Exception {
        LoginDialogue byLabel =
                new LoginDialogue(Credentials.of(Optional.of("a"), List.of()), Optional.of("Engineering"));
        assertThat(answers(byLabel, form(USERNAME, GROUPS)).groupSelect()).contains("eng");
        LoginDialogue none = new LoginDialogue(Credentials.of(Optional.of("a"), List.of()), Optional.empty());
        assertThat(answers(none, form(USERNAME, GROUPS)).groupSelect()).isEmpty();
    }

    @Test
    void aGroupOtherThanTheDefaultIsAskedForFirstThenAnswered() throws Exception {
        LoginDialogue dialogue = new LoginDialogue(Credentials.of(Optional.of("a"), List.of()), Optional.of("ops"));
        assertThat(dialogue.answer(form(USERNAME, GROUPS))).isEqualTo(new LoginDialogue.SwitchGroup("ops"));
        FormField reordered = new FormField(
                "group_list",
                FormField.Kind.SELECT,
                "Group:",
                "",
                List.of(new FormField.Option("ops", "Operations"), new FormField.Option("eng", "Engineering")));
        assertThat(answers(dialogue, form(USERNAME, reordered)))
                .isEqualTo(new LoginDialogue.Answers(List.of(Map.entry("username", "a")), Optional.of("ops")));
    }

    /** The group list without the configured group: the message names the group, what is offered, and the setting. */
    @Test
    void anUnknownGroupNamesWhatIsOfferedAndTheSetting() {
        LoginDialogue dialogue = new LoginDialogue(Credentials.of(Optional.of("a"), List.of()), Optional.of("sales"));
        assertThatThrownBy(() -> dialogue.answer(form(USERNAME, GROUPS)))
                .satisfies(LoginDialogueTest::isUnanswerable)
                .hasMessage(
                        "auth group 'sales' is not offered by the gateway; it offers eng, ops (set --authgroup to one of them, "
                                + "or leave it unset for the gateway's default)");
    }

    @Test
    void aTextFieldOtherThanTheUserNameIsNamed() {
        LoginDialogue dialogue = new LoginDialogue(Credentials.of(Optional.of("a"), List.of("p")), Optional.empty());
        FormField pin = new FormField("token_pin", FormField.Kind.TEXT, "Token PIN:", "", List.of());
        assertThatThrownBy(() -> dialogue.answer(form(pin)))
                .satisfies(LoginDialogueTest::isUnanswerable)
                .hasMessage(
                        "the gateway's login form asks for 'token_pin' (Token PIN:), which Corridor cannot answer from its configuration; answer it with -F main:token_pin=VALUE");
    }

    /** An input type the dialogue does not know (a checkbox, a file...): no setting can answer it. */
    @Test
    void anInputOfAKindItDoesNotKnowIsNamed() {
        LoginDialogue dialogue = new LoginDialogue(Credentials.of(Optional.of("a"), List.of("p")), Optional.empty());
        FormField consent = new FormField("accept_terms", FormField.Kind.OTHER, "I accept", "", List.of());
        assertThatThrownBy(() -> dialogue.answer(form(USERNAME, consent)))
                .satisfies(LoginDialogueTest::isUnanswerable)
                .hasMessage(
                        "the gateway's login form asks for 'accept_terms' (I accept), an input Corridor cannot fill in unattended; answer it with -F main:accept_terms=VALUE");
    }

    @Test
    void aSelectOtherThanTheGroupListIsNamed() {
        LoginDialogue dialogue = new LoginDialogue(Credentials.of(Optional.of("a"), List.of("p")), Optional.of("eng"));
        FormField realm = new FormField(
                "realm", FormField.Kind.SELECT, "Realm:", "", List.of(new FormField.Option("corp", "Corp")));
        assertThatThrownBy(() -> dialogue.answer(form(USERNAME, realm)))
                .satisfies(LoginDialogueTest::isUnanswerable)
                .hasMessage(
                        "the gateway's login form asks to choose 'realm' (Realm:), a choice Corridor has no setting for; answer it with -F main:realm=VALUE");
    }

    @Test
    void aMissingUserNameNamesTheFieldAndTheSettings() {
        LoginDialogue noUser = new LoginDialogue(Credentials.of(Optional.empty(), List.of()), Optional.empty());
        assertThatThrownBy(() -> noUser.answer(form(USERNAME)))
                .satisfies(LoginDialogueTest::isUnanswerable)
                .hasMessage(
                        "the gateway asks for a user name 'username' (Username:) but none is configured (set --user or --user-file)");
    }

    /** Each password field takes the next configured password; one more than configured names the field and the setting. */
    @Test
    void morePasswordsAskedThanGivenNameTheFieldAndTheSetting() throws Exception {
        LoginDialogue onePassword = new LoginDialogue(Credentials.of(Optional.of("a"), List.of("p")), Optional.empty());
        onePassword.answer(form(PASSWORD));
        assertThatThrownBy(() -> onePassword.answer(form(SECOND)))
                .satisfies(LoginDialogueTest::isUnanswerable)
                .hasMessage(
                        "the gateway asks for password 2, 'secondary_password' (Password2:), but 1 is configured "
                                + "(one line per password in --password-file or on standard input, or --token-mode for a one-time code)");
        LoginDialogue none = new LoginDialogue(Credentials.of(Optional.of("a"), List.of()), Optional.empty());
        assertThatThrownBy(() -> none.answer(form(USERNAME, PASSWORD)))
                .satisfies(LoginDialogueTest::isUnanswerable)
                .hasMessageStartingWith(
                        "the gateway asks for password 1, 'password' (Password:), but 0 are configured");
    }

    /**
     * A form that asks nothing cannot be answered: posting it back empty would only bring it again, up to the login's
     * form limit, and a session opened from it would be retried as if the gateway were at fault. openconnect refuses
     * it too. The message carries what the gateway says.
     */
    @Test
    void aFormWithNoFieldsIsUnanswerable() {
        LoginDialogue dialogue = new LoginDialogue(Credentials.of(Optional.of("a"), List.of("p")), Optional.of("eng"));
        AuthReply.Form empty = new AuthReply.Form(
                "main",
                Optional.of("Certificate is required."),
                Optional.empty(),
                Optional.empty(),
                "/auth",
                List.of(),
                Optional.empty());
        assertThatThrownBy(() -> dialogue.answer(empty))
                .satisfies(LoginDialogueTest::isUnanswerable)
                .hasMessage(
                        "the gateway's login form 'main' has no field to fill in (gateway says: Certificate is required.); it may "
                                + "want a client certificate (--certificate) or another auth group (--authgroup)");
    }

    @Test
    void hiddenFieldsAreEchoed() throws Exception {
        FormField hidden = new FormField("csrf", FormField.Kind.HIDDEN, "", "xyz", List.of());
        LoginDialogue dialogue = new LoginDialogue(Credentials.of(Optional.of("a"), List.of()), Optional.empty());
        assertThat(answers(dialogue, form(USERNAME, hidden)).fields())
                .containsExactly(Map.entry("username", "a"), Map.entry("csrf", "xyz"));
        assertThat(answers(dialogue, form(hidden)).fields()).containsExactly(Map.entry("csrf", "xyz"));
    }

    /**
     * ASA groups decide what the rest of the form asks (openconnect library.c process_auth_form): a group with a second
     * authentication gets its inputs, with the second user name it names; a group without gets them sent as they came;
     * a group without authentication gets nothing of the user's.
     */
    @Test
    void theChosenGroupDecidesWhichInputsAreAsked() throws Exception {
        FormField secondUser =
                new FormField("secondary_username", FormField.Kind.TEXT, "Second Username:", "", List.of(), true);
        FormField secondPassword =
                new FormField("secondary_password", FormField.Kind.PASSWORD, "Second Password:", "", List.of(), true);
        FormField groups = new FormField(
                "group_list",
                FormField.Kind.SELECT,
                "Group:",
                "",
                List.of(
                        new FormField.Option("Employees", "Employees", true, false, true, Optional.of("alice-token")),
                        new FormField.Option("Contractors", "Contractors", false, false, false, Optional.empty()),
                        new FormField.Option("Kiosk", "Kiosk", false, true, false, Optional.empty())));
        AuthReply.Form form = form(groups, USERNAME, PASSWORD, secondUser, secondPassword);

        LoginDialogue employee =
                new LoginDialogue(Credentials.of(Optional.of("alice"), List.of("pw1", "pw2")), Optional.empty());
        assertThat(answers(employee, form).fields())
                .containsExactly(
                        Map.entry("username", "alice"),
                        Map.entry("password", "pw1"),
                        Map.entry("secondary_username", "alice-token"),
                        Map.entry("secondary_password", "pw2"));

        LoginDialogue contractor =
                new LoginDialogue(Credentials.of(Optional.of("bob"), List.of("pw1")), Optional.of("Contractors"));
        assertThat(contractor.answer(form))
                .as("not the default group: its own form first")
                .isEqualTo(new LoginDialogue.SwitchGroup("Contractors"));
        assertThat(answers(contractor, form).fields())
                .containsExactly(
                        Map.entry("username", "bob"),
                        Map.entry("password", "pw1"),
                        Map.entry("secondary_username", ""),
                        Map.entry("secondary_password", ""));

        LoginDialogue kiosk = new LoginDialogue(Credentials.of(Optional.empty(), List.of()), Optional.of("Kiosk"));
        kiosk.answer(form);
        assertThat(answers(kiosk, form))
                .isEqualTo(new LoginDialogue.Answers(
                        List.of(
                                Map.entry("username", ""),
                                Map.entry("password", ""),
                                Map.entry("secondary_username", ""),
                                Map.entry("secondary_password", "")),
                        Optional.of("Kiosk")));
    }

    @Test
    void aSecondUserNameNoGroupNamesIsAskedOfTheFormEntries() throws Exception {
        FormField secondUser =
                new FormField("secondary_username", FormField.Kind.TEXT, "Second Username:", "", List.of(), true);
        FormField groups = new FormField(
                "group_list",
                FormField.Kind.SELECT,
                "Group:",
                "",
                List.of(new FormField.Option("Employees", "Employees", true, false, true, Optional.empty())));
        LoginDialogue unset = new LoginDialogue(Credentials.of(Optional.of("alice"), List.of("pw1")), Optional.empty());
        assertThatThrownBy(() -> unset.answer(form(groups, USERNAME, secondUser)))
                .satisfies(LoginDialogueTest::isUnanswerable)
                .hasMessage(
                        "the gateway's login form asks for the second authentication's user name 'secondary_username' "
                                + "(Second Username:); answer it with -F main:secondary_username=USER");

        LoginDialogue entered = new LoginDialogue(
                new Credentials(
                        Optional.of("alice"),
                        List.of("pw1"),
                        List.of(FormEntry.parse("main:secondary_username=alice2")),
                        Optional.empty()),
                Optional.empty());
        assertThat(answers(entered, form(groups, USERNAME, secondUser)).fields())
                .containsExactly(Map.entry("username", "alice"), Map.entry("secondary_username", "alice2"));
    }

    @Test
    void credentialsNeverPrintTheirPasswords() {
        assertThat(Credentials.of(Optional.of("alice"), List.of("s3cret")).toString())
                .doesNotContain("s3cret");
    }

    private static void isUnanswerable(Throwable thrown) {
        assertThat(thrown)
                .isInstanceOfSatisfying(
                        AuthenticationException.class,
                        e -> assertThat(e.rejectedByGateway())
                                .as("a configuration problem, not a refusal by the gateway")
                                .isFalse());
    }

    private static LoginDialogue.Answers answers(LoginDialogue dialogue, AuthReply.Form form)
            throws AuthenticationException {
        return (LoginDialogue.Answers) dialogue.answer(form);
    }

    private static AuthReply.Form form(FormField... fields) {
        return new AuthReply.Form(
                "main",
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                "/auth",
                List.of(fields),
                Optional.empty());
    }
}
