package dev.corridor.sidecar.protocol.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.corridor.sidecar.Fixtures;
import dev.corridor.sidecar.protocol.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AuthXmlTest {

    @Test
    void readsOcservsUsernameForm() throws Exception {
        AuthReply.Form form = (AuthReply.Form)
                AuthXml.parse(Fixtures.bytes("form-username.xml")).reply();
        assertThat(form.authId()).isEqualTo("main");
        assertThat(form.message()).contains("Please enter your username.");
        assertThat(form.action()).isEqualTo("/auth");
        assertThat(form.fields())
                .containsExactly(new FormField("username", FormField.Kind.TEXT, "Username:", "", List.of()));
    }

    @Test
    void readsOcservsPasswordForm() throws Exception {
        AuthReply.Form form = (AuthReply.Form)
                AuthXml.parse(Fixtures.bytes("form-password.xml")).reply();
        assertThat(form.fields())
                .extracting(FormField::name, FormField::kind)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("password", FormField.Kind.PASSWORD));
    }

    @Test
    void readsSuccess() throws Exception {
        assertThat(AuthXml.parse(Fixtures.bytes("success.xml")).reply())
                .isEqualTo(new AuthReply.Success(Optional.empty()));
    }

    @Test
    void readsAGroupSelectBannerAndError() throws Exception {
        String xml = """
                <?xml version="1.0" encoding="UTF-8"?>
                <config-auth client="vpn" type="auth-request">
                <auth id="main"><banner>Authorised use only</banner><error>Login failed.</error>
                <message>Please enter your username.</message>
                <form method="post" action="/auth">
                <input type="text" name="username" label="Username:" />
                <select name="group_list" label="Group:">
                <option value="eng">Engineering</option><option>ops</option></select>
                <input type="hidden" name="token" value="t1" />
                </form></auth></config-auth>
                """;
        AuthReply.Form form = (AuthReply.Form)
                AuthXml.parse(xml.getBytes(StandardCharsets.UTF_8)).reply();
        assertThat(form.banner()).contains("Authorised use only");
        assertThat(form.error()).contains("Login failed.");
        assertThat(form.fields()).extracting(FormField::name).containsExactly("username", "group_list", "token");
        assertThat(form.fields().get(1).options())
                .containsExactly(new FormField.Option("eng", "Engineering"), new FormField.Option("ops", "ops"));
        assertThat(form.fields().get(2).value()).isEqualTo("t1");
    }

    /** An ASA's double-authentication form: the groups' attributes and the second authentication's inputs (openconnect auth.c parse_form). */
    @Test
    void readsWhatEachGroupAsksOfTheForm() throws Exception {
        String xml = "<config-auth client=\"vpn\" type=\"auth-request\"><auth id=\"main\"><form>"
                + "<select name=\"group_list\" label=\"GROUP:\">"
                + "<option value=\"Contractors\">Contractors</option>"
                + "<option value=\"Employees\" selected=\"true\" second-auth=\"1\" secondary_username=\"alice-token\">Employees</option>"
                + "<option noaaa=\"1\">Kiosk</option></select>"
                + "<input type=\"text\" name=\"username\" label=\"Username:\"/>"
                + "<input type=\"text\" name=\"secondary_username\" label=\"Second Username:\" second-auth=\"1\"/>"
                + "</form></auth></config-auth>";
        AuthReply.Form form = (AuthReply.Form)
                AuthXml.parse(xml.getBytes(StandardCharsets.UTF_8)).reply();
        assertThat(form.fields().getFirst().options())
                .containsExactly(
                        new FormField.Option("Contractors", "Contractors"),
                        new FormField.Option("Employees", "Employees", true, false, true, Optional.of("alice-token")),
                        new FormField.Option("Kiosk", "Kiosk", false, true, false, Optional.empty()));
        assertThat(form.fields()).extracting(FormField::secondAuth).containsExactly(false, false, true);
    }

    @Test
    void refusesExternalEntities() {
        String xxe = """
                <?xml version="1.0"?>
                <!DOCTYPE config-auth [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
                <config-auth client="vpn" type="auth-request"><auth id="main"><message>&secret;</message></auth></config-auth>
                """;
        assertThatThrownBy(() -> AuthXml.parse(xxe.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(ProtocolException.class)
                .hasMessageNotContaining("root:")
                .hasMessageContaining("DOCTYPE");
    }

    @Test
    void refusesEntityExpansion() {
        StringBuilder laughs = new StringBuilder("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [<!ENTITY lol0 \"lol\">");
        for (int i = 1; i < 10; i++) {
            laughs.append("<!ENTITY lol")
                    .append(i)
                    .append(" \"")
                    .append(("&lol" + (i - 1) + ";").repeat(10))
                    .append("\">");
        }
        laughs.append("]>\n<config-auth type=\"auth-request\"><auth><message>&lol9;</message></auth></config-auth>");
        assertThatThrownBy(() -> AuthXml.parse(laughs.toString().getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("DOCTYPE");
    }

    @Test
    void refusesWhatIsNotALoginReply() {
        assertThatThrownBy(() -> AuthXml.parse("<html><body>Hello</body></html>".getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("not aggregate-auth XML");
        assertThatThrownBy(() -> AuthXml.parse("not xml at all".getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("unreadable login XML");
        assertThatThrownBy(() -> AuthXml.parse(
                        "<config-auth type=\"auth-request\"><form><input name=\"a b\"/></form></config-auth>"
                                .getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("unusable name");
    }

    /** The inner select's end left the outer one without a name, on which the dialogue threw a NullPointerException. */
    @Test
    void refusesASelectInsideASelect() {
        String nested =
                "<config-auth type=\"auth-request\"><auth id=\"main\"><form><select name=\"x\"><select name=\"group_list\">"
                        + "<option value=\"eng\">eng</option></select></select></form></auth></config-auth>";
        assertThatThrownBy(() -> AuthXml.parse(nested.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(ProtocolException.class)
                .hasMessage("gateway login form has a <select> inside the <select> 'x'");
    }

    /** Found by AuthXmlFuzzTest: the name became an element name in the reply, and {@code <0assword>} is not XML. */
    @Test
    void refusesAFieldNameThatIsNoXmlName() {
        String form =
                "<config-auth type=\"auth-request\"><auth id=\"main\"><form><input type=\"password\" name=\"0assword\"/></form>"
                        + "</auth></config-auth>";
        assertThatThrownBy(() -> AuthXml.parse(form.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(ProtocolException.class)
                .hasMessage("gateway login form has a field with an unusable name '0assword'");
    }

    /** Without a DTD an entity reference was read as the text "null". */
    @Test
    void refusesAnUndeclaredEntity() {
        String undeclared =
                "<config-auth type=\"auth-request\"><auth id=\"main\"><message>&secret;</message></auth></config-auth>";
        assertThatThrownBy(() -> AuthXml.parse(undeclared.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(ProtocolException.class)
                .hasMessage("gateway login XML refers to the undeclared entity &secret; in <message>");
    }

    /** Found by AuthXmlFuzzTest (seed crash-invalid-char-in-skipped-dtd): the JDK's parser threw MissingResourceException. */
    @Test
    void refusesADtdTheJdkCannotEvenReportOn() {
        String dtd =
                "<?xml version=\"1.0\"?>\n<!DOCTYPE config-auth [<!ENTITY x SYSTEM \"file:///et\0\">]><config-auth/>";
        assertThatThrownBy(() -> AuthXml.parse(dtd.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(ProtocolException.class)
                .hasMessage("gateway sent unreadable login XML (InvalidCharInDTD)");
    }

    @Test
    void writesTheInitAndReplyBodiesOcservExpects() {
        String init = new String(
                AuthXml.init(
                        ClientProfile.defaults(),
                        List.of(AuthMethod.SINGLE_SIGN_ON_V2),
                        "https://vpn.corp.test/",
                        Optional.of("eng"),
                        false),
                StandardCharsets.UTF_8);
        assertThat(init)
                .startsWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<config-auth client=\"vpn\" type=\"init\"")
                .contains("<group-access>https://vpn.corp.test/</group-access>")
                .contains("<group-select>eng</group-select>");

        String reply = new String(
                AuthXml.reply(
                        ClientProfile.defaults(),
                        List.of(),
                        Optional.empty(),
                        List.of(Map.entry("password", "p<&>\"'")),
                        Optional.empty()),
                StandardCharsets.UTF_8);
        assertThat(reply)
                .contains("type=\"auth-reply\"")
                .contains("<auth><password>p&lt;&amp;&gt;&quot;&apos;</password></auth>")
                .doesNotContain("group-select");
    }
}
