package dev.corridor.sidecar.protocol.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LoginDialogueTest {
    private static final FormField USERNAME = new FormField("username", FormField.Kind.TEXT, "Username:", "", List.of());
    private static final FormField PASSWORD = new FormField("password", FormField.Kind.PASSWORD, "Password:", "", List.of());
    private static final FormField SECOND = new FormField("secondary_password", FormField.Kind.PASSWORD, "Password2:", "", List.of());
    private static final FormField GROUPS = new FormField("group_list", FormField.Kind.SELECT, "Group:", "",
            List.of(new FormField.Option("eng", "Engineering"), new FormField.Option("ops", "Operations")));

    @Test
    void answersUsernameThenPasswordThenASecondFactor() throws Exception {
        LoginDialogue dialogue = new LoginDialogue(Credentials.of(Optional.of("alice"), List.of("pw1", "123456")), Optional.empty());
        assertThat(answers(dialogue, form(USERNAME)).fields()).containsExactly(Map.entry("username", "alice"));
        assertThat(answers(dialogue, form(PASSWORD)).fields()).containsExactly(Map.entry("password", "pw1"));
        assertThat(answers(dialogue, form(SECOND)).fields()).containsExactly(Map.entry("secondary_password", "123456"));
    }

    @Test
    void ocservsLoginFailedFormIsARejectionNotAnotherPrompt() throws Exception {
        LoginDialogue dialogue = new LoginDialogue(Credentials.of(Optional.of("alice"), List.of("wrong", "123456")), Optional.empty());
        dialogue.answer(form(USERNAME));
        dialogue.answer(form(PASSWORD));
        AuthReply.Form again = new AuthReply.Form("main", Optional.of("Login failed.\nPlease enter your password."), Optional.empty(),
                Optional.empty(), "/auth", List.of(PASSWORD), Optional.empty());
        assertThatThrownBy(() -> dialogue.answer(again))
                .isInstanceOfSatisfying(AuthenticationException.class, e -> assertThat(e.rejectedByGateway()).isTrue())
                .hasMessage("the gateway rejected the login for the configured user (gateway says: Login failed. Please enter your password.)");
    }

    @Test
    void anErrorElementIsARejection() {
        LoginDialogue dialogue = new LoginDialogue(Credentials.of(Optional.of("alice"), List.of("pw")), Optional.empty());
        AuthReply.Form failed = new AuthReply.Form("main", Optional.of("Please enter your password."), Optional.of("Login failed"),
                Optional.empty(), "/auth", List.of(PASSWORD), Optional.empty());
        assertThatThrownBy(() -> dialogue.answer(failed)).hasMessageContaining("(gateway says: Login failed)");
    }

    @Test
    void ocservsOtpPromptReusesThePasswordFieldAndTakesTheNextPassword() throws Exception {
        LoginDialogue dialogue = new LoginDialogue(Credentials.of(Optional.of("alice"), List.of("pw", "123456")), Optional.empty());
        dialogue.answer(form(USERNAME));
        assertThat(answers(dialogue, form(PASSWORD)).fields()).containsExactly(Map.entry("password", "pw"));
        AuthReply.Form otp = new AuthReply.Form("main", Optional.of("Please enter your OTP password."), Optional.empty(),
                Optional.empty(), "/auth", List.of(PASSWORD), Optional.empty());
        assertThat(answers(dialogue, otp).fields()).containsExactly(Map.entry("password", "123456"));
    }

    @Test
    void choosesTheAuthGroupByValueOrLabel() throws Exception {
        LoginDialogue byLabel = new LoginDialogue(Credentials.of(Optional.of("a"), List.of()), Optional.of("Engineering"));
        assertThat(answers(byLabel, form(USERNAME, GROUPS)).groupSelect()).contains("eng");
        LoginDialogue none = new LoginDialogue(Credentials.of(Optional.of("a"), List.of()), Optional.empty());
        assertThat(answers(none, form(USERNAME, GROUPS)).groupSelect()).isEmpty();
    }

    @Test
    void aGroupOtherThanTheDefaultIsAskedForFirstThenAnswered() throws Exception {
        LoginDialogue dialogue = new LoginDialogue(Credentials.of(Optional.of("a"), List.of()), Optional.of("ops"));
        assertThat(dialogue.answer(form(USERNAME, GROUPS))).isEqualTo(new LoginDialogue.SwitchGroup("ops"));
        FormField reordered = new FormField("group_list", FormField.Kind.SELECT, "Group:", "",
                List.of(new FormField.Option("ops", "Operations"), new FormField.Option("eng", "Engineering")));
        assertThat(answers(dialogue, form(USERNAME, reordered)))
                .isEqualTo(new LoginDialogue.Answers(List.of(Map.entry("username", "a")), Optional.of("ops")));
    }

    @Test
    void anUnknownGroupNamesWhatIsOffered() {
        LoginDialogue dialogue = new LoginDialogue(Credentials.of(Optional.of("a"), List.of()), Optional.of("sales"));
        assertThatThrownBy(() -> dialogue.answer(form(USERNAME, GROUPS)))
                .isInstanceOfSatisfying(AuthenticationException.class, e -> assertThat(e.rejectedByGateway()).isFalse())
                .hasMessage("auth group 'sales' is not offered by the gateway; it offers eng, ops");
    }

    @Test
    void aFieldItCannotAnswerIsNamed() {
        LoginDialogue dialogue = new LoginDialogue(Credentials.of(Optional.of("a"), List.of("p")), Optional.empty());
        FormField pin = new FormField("token_pin", FormField.Kind.TEXT, "Token PIN:", "", List.of());
        assertThatThrownBy(() -> dialogue.answer(form(pin))).hasMessageContaining("'token_pin' (Token PIN:)");
    }

    @Test
    void missingCredentialsAreNamed() {
        LoginDialogue noUser = new LoginDialogue(Credentials.of(Optional.empty(), List.of()), Optional.empty());
        assertThatThrownBy(() -> noUser.answer(form(USERNAME))).hasMessageContaining("none is configured (set --user");
        LoginDialogue onePassword = new LoginDialogue(Credentials.of(Optional.of("a"), List.of("p")), Optional.empty());
        assertThatThrownBy(() -> {
            onePassword.answer(form(PASSWORD));
            onePassword.answer(form(SECOND));
        }).hasMessageContaining("asks for password 2, 'secondary_password' (Password2:), but 1 is configured");
    }

    @Test
    void hiddenFieldsAreEchoed() throws Exception {
        FormField hidden = new FormField("csrf", FormField.Kind.HIDDEN, "", "xyz", List.of());
        LoginDialogue dialogue = new LoginDialogue(Credentials.of(Optional.of("a"), List.of()), Optional.empty());
        assertThat(answers(dialogue, form(USERNAME, hidden)).fields()).containsExactly(Map.entry("username", "a"), Map.entry("csrf", "xyz"));
        assertThat(answers(dialogue, form(hidden)).fields()).containsExactly(Map.entry("csrf", "xyz"));
    }

    @Test
    void credentialsNeverPrintTheirPasswords() {
        assertThat(Credentials.of(Optional.of("alice"), List.of("s3cret")).toString()).doesNotContain("s3cret");
    }

    private static LoginDialogue.Answers answers(LoginDialogue dialogue, AuthReply.Form form) throws AuthenticationException {
        return (LoginDialogue.Answers) dialogue.answer(form);
    }

    private static AuthReply.Form form(FormField... fields) {
        return new AuthReply.Form("main", Optional.empty(), Optional.empty(), Optional.empty(), "/auth", List.of(fields), Optional.empty());
    }
}
