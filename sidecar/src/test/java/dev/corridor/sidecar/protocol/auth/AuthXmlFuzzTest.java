package dev.corridor.sidecar.protocol.auth;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.corridor.sidecar.protocol.ProtocolException;
import java.io.ByteArrayInputStream;
import java.util.List;
import java.util.Optional;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes the login dialogue with whatever XML a gateway could send: the reply is read ({@link AuthXml}), answered
 * from the configured credentials ({@link LoginDialogue}), and the answer encoded. Seeds: the forms ocserv 1.1.6
 * sends (user name, password, group list, a failed login) and its success reply.
 */
class AuthXmlFuzzTest {
    private static final XMLInputFactory WELL_FORMEDNESS = XMLInputFactory.newDefaultFactory();

    /**
     * Every reply is read or refused ({@link ProtocolException}), and every form answered or refused
     * ({@link AuthenticationException}); the answer is always well-formed XML, whatever names and values the form held.
     */
    @Timeout(10)
    @FuzzTest
    @DictionaryEntries({
        "<config-auth client=\"vpn\" type=\"auth-request\">",
        "<config-auth type=\"complete\">",
        "</config-auth>",
        "<auth id=\"main\">",
        "<auth id=\"success\">",
        "</auth>",
        "<form method=\"post\" action=\"/auth\">",
        "</form>",
        "<input type=\"text\" name=\"username\" label=\"Username:\" />",
        "<input type=\"password\" name=\"password\" />",
        "<input type=\"hidden\" name=\"",
        "<select name=\"group_list\" label=\"GROUP:\">",
        "</select>",
        "<option value=\"",
        "</option>",
        "<message>",
        "</message>",
        "<error>",
        "</error>",
        "<banner>",
        "</banner>",
        "<!DOCTYPE",
        "<!ENTITY",
        "&amp;",
        "<![CDATA[",
        "<opaque is-for=\"sg\">",
        "</opaque>",
        "<session-token>",
        "</session-token>",
        "<client-cert-request/>",
        "<multiple-client-cert-request>",
        "<hash-algorithm>sha256</hash-algorithm>",
        "<cert-authenticated/>",
        "<sso-v2-login>",
        "<input type=\"sso\" name=\"sso-token\"/>",
        "<auth id=\"challenge\">",
        "<input type=\"password\" name=\"secondary_password\"/>"
    })
    void readsAndAnswersEveryLoginReplyOrRefusesIt(byte[] reply) throws XMLStreamException {
        LoginDialogue dialogue = new LoginDialogue(
                Credentials.of(Optional.of("alice"), List.of("correct-horse", "123456")), Optional.of("eng"));
        try {
            AuthXml.Parsed parsed = AuthXml.parse(reply);
            if (parsed.reply() instanceof AuthReply.Form form) {
                byte[] answer = switch (dialogue.answer(form)) {
                    case LoginDialogue.Answers answers ->
                        AuthXml.reply(
                                ClientProfile.defaults(),
                                List.of(AuthMethod.SINGLE_SIGN_ON_V2),
                                parsed.opaque(),
                                answers.fields(),
                                answers.groupSelect());
                    case LoginDialogue.SwitchGroup group ->
                        AuthXml.init(
                                ClientProfile.defaults(),
                                List.of(),
                                "https://vpn.corp.test/",
                                Optional.of(group.group()),
                                false);
                };
                readToTheEnd(answer);
            }
        } catch (ProtocolException | AuthenticationException expected) {
            // a reply the client refuses, or a form its configuration cannot answer
        }
    }

    private static void readToTheEnd(byte[] xml) throws XMLStreamException {
        XMLStreamReader reader = WELL_FORMEDNESS.createXMLStreamReader(new ByteArrayInputStream(xml));
        while (reader.hasNext()) {
            reader.next();
        }
    }
}
