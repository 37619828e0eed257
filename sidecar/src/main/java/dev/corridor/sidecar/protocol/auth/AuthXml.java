package dev.corridor.sidecar.protocol.auth;

import dev.corridor.sidecar.protocol.ProtocolException;
import java.io.ByteArrayInputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.MissingResourceException;
import java.util.Optional;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import javax.xml.stream.XMLStreamWriter;

/**
 * The aggregate-auth XML documents: the client's init and auth-reply bodies, and the gateway's replies.
 * Gateway XML is untrusted: a DOCTYPE (and with it every entity trick, XXE or "billion laughs") is refused outright.
 */
public final class AuthXml {
    private static final XMLInputFactory XML = hardenedFactory();
    private static final XMLOutputFactory XML_OUT = XMLOutputFactory.newDefaultFactory();

    private AuthXml() {}

    /** A parsed reply, with what travels beside the form: the opaque state to echo, and a session token. */
    public record Parsed(AuthReply reply, Optional<String> opaque, Optional<String> sessionToken) {
        @Override
        public String toString() {
            return "Parsed[" + reply.getClass().getSimpleName() + "]"; // the token is a credential
        }
    }

    /**
     * The first POST: {@code <config-auth type="init">}. ocserv recognises XML only when the body contains {@code <?xml}.
     *
     * @param clientCertificateFailed tell an ASA that asked for a client certificate that none comes
     */
    public static byte[] init(
            ClientProfile profile,
            List<AuthMethod> capabilities,
            String groupAccessUrl,
            Optional<String> groupSelect,
            boolean clientCertificateFailed) {
        StringBuilder xml = start("init", profile, capabilities)
                .append("<group-access>")
                .append(escape(groupAccessUrl))
                .append("</group-access>");
        if (clientCertificateFailed) {
            xml.append("<client-cert-fail/>");
        }
        groupSelect.ifPresent(
                g -> xml.append("<group-select>").append(escape(g)).append("</group-select>"));
        return finish(xml);
    }

    /**
     * An answer to a form: the gateway's opaque state as it sent it, then each field as {@code <NAME>value</NAME>} inside
     * {@code <auth>}, then the group, in openconnect's order ({@code auth.c xmlpost_append_form_opts}).
     */
    public static byte[] reply(
            ClientProfile profile,
            List<AuthMethod> capabilities,
            Optional<String> opaque,
            List<Map.Entry<String, String>> fields,
            Optional<String> groupSelect) {
        StringBuilder xml = start("auth-reply", profile, capabilities);
        opaque.ifPresent(xml::append);
        xml.append("<auth>");
        for (Map.Entry<String, String> field : fields) {
            xml.append('<')
                    .append(field.getKey())
                    .append('>')
                    .append(escape(field.getValue()))
                    .append("</")
                    .append(field.getKey())
                    .append('>');
        }
        xml.append("</auth>");
        groupSelect.ifPresent(
                g -> xml.append("<group-select>").append(escape(g)).append("</group-select>"));
        return finish(xml);
    }

    /**
     * The answer to a multiple-certificate request ({@code auth.c post_multicert_response}): the machine certificate
     * is the TLS connection's, the user certificate travels as a PKCS#7 chain with its signature over the request.
     */
    public static byte[] multipleCertificateReply(
            ClientProfile profile,
            List<AuthMethod> capabilities,
            Optional<String> opaque,
            byte[] userChainPkcs7,
            String hashAlgorithm,
            byte[] signature) {
        StringBuilder xml = start("auth-reply", profile, capabilities).append("<session-token/><session-id/>");
        opaque.ifPresent(xml::append);
        xml.append("<auth><client-cert-chain cert-store=\"1M\"><client-cert-sent-via-protocol/></client-cert-chain>")
                .append("<client-cert-chain cert-store=\"1U\"><client-cert cert-format=\"pkcs7\">")
                .append(base64Lines(userChainPkcs7))
                .append("</client-cert><client-cert-auth-signature hash-algorithm-chosen=\"")
                .append(escape(hashAlgorithm))
                .append("\">")
                .append(base64Lines(signature))
                .append("</client-cert-auth-signature></client-cert-chain></auth>");
        return finish(xml);
    }

    private static StringBuilder start(String type, ClientProfile profile, List<AuthMethod> capabilities) {
        StringBuilder xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
                .append("<config-auth client=\"vpn\" type=\"")
                .append(type)
                .append("\" aggregate-auth-version=\"2\">")
                .append("<version who=\"vpn\">")
                .append(escape(profile.version()))
                .append("</version>")
                .append("<device-id");
        if (profile.os().mobile()) {
            xml.append(" platform-version=\"")
                    .append(ReportedOs.MOBILE_PLATFORM_VERSION)
                    .append("\" device-type=\"")
                    .append(profile.os().id())
                    .append("\" unique-id=\"")
                    .append(ReportedOs.MOBILE_UNIQUE_ID)
                    .append('"');
        }
        xml.append('>').append(profile.os().id()).append("</device-id>");
        if (!capabilities.isEmpty()) {
            xml.append("<capabilities>");
            for (AuthMethod method : capabilities) {
                xml.append("<auth-method>").append(method.wireName()).append("</auth-method>");
            }
            xml.append("</capabilities>");
        }
        return xml;
    }

    private static byte[] finish(StringBuilder xml) {
        return xml.append("</config-auth>\n").toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Base64 in lines of 64 characters, as openconnect wraps the certificate and the signature. */
    private static String base64Lines(byte[] bytes) {
        return Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(bytes);
    }

    /** Parses a gateway reply body. */
    public static Parsed parse(byte[] body) throws ProtocolException {
        // Whitespace before the XML declaration is not XML, but openconnect's libxml2 takes it, and its Cisco test
        // server
        // sends it (fake-cisco-server.py): skipped, not refused.
        int start = 0;
        while (start < body.length
                && (body[start] == '\n' || body[start] == '\r' || body[start] == ' ' || body[start] == '\t')) {
            start++;
        }
        try {
            XMLStreamReader xml = XML.createXMLStreamReader(new ByteArrayInputStream(body, start, body.length - start));
            try {
                return parse(xml);
            } finally {
                xml.close();
            }
        } catch (XMLStreamException e) {
            throw new ProtocolException("gateway sent unreadable login XML: " + e.getMessage(), e);
        } catch (MissingResourceException e) {
            // The JDK's parser reports some errors (a bad character in a DTD it skips) under a message key it lacks.
            throw new ProtocolException("gateway sent unreadable login XML (" + e.getKey() + ")", e);
        }
    }

    /** What one reply holds, gathered while reading it. */
    private static final class Reading {
        String replyType;
        boolean hasAuth;
        String authId;
        String message;
        String error;
        String banner;
        String action;
        final List<FormField> fields = new ArrayList<>();
        String selectName;
        String selectLabel;
        List<FormField.Option> options = new ArrayList<>();
        String opaque;
        String sessionToken;
        boolean certificateRequested;
        boolean certificateAuthenticated;
        final List<String> signatureHashes = new ArrayList<>();
        String ssoLogin;
        String ssoFinal;
        String ssoTokenCookie;
        boolean ssoExternalBrowser;
    }

    private static Parsed parse(XMLStreamReader xml) throws XMLStreamException, ProtocolException {
        Reading reply = new Reading();
        int depth = 0;
        while (xml.hasNext()) {
            int event = xml.next();
            if (event == XMLStreamConstants.DTD) {
                throw new ProtocolException(
                        "gateway login XML contains a DOCTYPE declaration; refused (entities are not accepted from a gateway)");
            }
            if (event == XMLStreamConstants.END_ELEMENT) {
                depth--;
                if (xml.getLocalName().equals("select")) {
                    reply.fields.add(new FormField(
                            reply.selectName, FormField.Kind.SELECT, reply.selectLabel, "", reply.options));
                    reply.selectName = null;
                    reply.options = new ArrayList<>();
                }
                continue;
            }
            if (event != XMLStreamConstants.START_ELEMENT) {
                continue;
            }
            depth++;
            boolean topLevel = depth == 2; // a child of <config-auth>
            switch (xml.getLocalName()) {
                case "config-auth" -> reply.replyType = attribute(xml, "type");
                case "auth" -> {
                    reply.hasAuth = true;
                    reply.authId = attribute(xml, "id");
                }
                case "message" -> reply.message = text(xml);
                case "error" -> reply.error = text(xml);
                case "banner" -> reply.banner = text(xml);
                case "form" -> reply.action = attribute(xml, "action");
                case "input" -> input(xml).ifPresent(reply.fields::add);
                case "select" -> {
                    if (reply.selectName != null) {
                        throw new ProtocolException(
                                "gateway login form has a <select> inside the <select> '" + reply.selectName + "'");
                    }
                    reply.selectName = required(xml, "name");
                    reply.selectLabel = attribute(xml, "label");
                }
                case "option" -> {
                    String value = attribute(xml, "value");
                    boolean selected = attribute(xml, "selected").equals("true");
                    boolean noAaa = attribute(xml, "noaaa").equals("1");
                    boolean secondAuth = attribute(xml, "second-auth").equals("1");
                    Optional<String> secondaryUsername =
                            Optional.of(attribute(xml, "secondary_username")).filter(name -> !name.isEmpty());
                    String label = text(xml);
                    reply.options.add(new FormField.Option(
                            value.isEmpty() ? label : value, label, selected, noAaa, secondAuth, secondaryUsername));
                }
                case "opaque" -> {
                    if (topLevel) {
                        reply.opaque = copy(xml);
                    }
                }
                case "session-token" -> {
                    if (topLevel) {
                        reply.sessionToken = text(xml);
                    }
                }
                case "client-cert-request" -> reply.certificateRequested = true;
                case "multiple-client-cert-request" -> reply.certificateRequested = true;
                case "hash-algorithm" -> reply.signatureHashes.add(text(xml));
                case "cert-authenticated" -> reply.certificateAuthenticated = true;
                case "sso-v2-login" -> reply.ssoLogin = text(xml);
                case "sso-v2-login-final" -> reply.ssoFinal = text(xml);
                case "sso-v2-token-cookie-name" -> reply.ssoTokenCookie = text(xml);
                case "sso-v2-browser-mode" ->
                    reply.ssoExternalBrowser = text(xml).equals("external");
                default -> {
                    // Elements that carry nothing for a client (title, version, host-scan, config...).
                }
            }
            if (depth > 0 && xml.getEventType() == XMLStreamConstants.END_ELEMENT) {
                depth--; // text() and copy() read up to the element's end
            }
        }
        return new Parsed(
                result(reply),
                Optional.ofNullable(reply.opaque).filter(o -> !o.isEmpty()),
                Optional.ofNullable(reply.sessionToken).filter(t -> !t.isEmpty()));
    }

    private static AuthReply result(Reading reply) throws ProtocolException {
        if (reply.replyType == null) {
            throw new ProtocolException("gateway reply is not aggregate-auth XML (no <config-auth> element)");
        }
        if ("success".equals(reply.authId) || "complete".equals(reply.replyType)) {
            return new AuthReply.Success(Optional.ofNullable(reply.banner));
        }
        if (!"auth-request".equals(reply.replyType)) {
            throw new ProtocolException("gateway sent a login reply of unexpected type '" + reply.replyType + "'");
        }
        if (reply.certificateRequested) {
            return new AuthReply.CertificateRequest(reply.certificateAuthenticated, reply.signatureHashes);
        }
        if (!reply.hasAuth) {
            throw new ProtocolException("gateway sent a login reply without a form (no <auth> element)"
                    + (reply.error == null ? "" : ": " + reply.error));
        }
        Optional<AuthReply.SsoLogin> sso = Optional.ofNullable(reply.ssoLogin)
                .filter(url -> !url.isEmpty())
                .map(url -> new AuthReply.SsoLogin(
                        url,
                        Optional.ofNullable(reply.ssoFinal),
                        Optional.ofNullable(reply.ssoTokenCookie),
                        reply.ssoExternalBrowser));
        return new AuthReply.Form(
                reply.authId == null ? "" : reply.authId,
                Optional.ofNullable(reply.message),
                Optional.ofNullable(reply.error),
                Optional.ofNullable(reply.banner),
                reply.action == null ? "" : reply.action,
                reply.fields,
                sso);
    }

    /**
     * The element the reader is on, with its attributes and everything inside, written out again: the {@code <opaque>}
     * state an ASA expects back in every following reply. Entity references are refused here as everywhere.
     */
    private static String copy(XMLStreamReader xml) throws XMLStreamException, ProtocolException {
        StringWriter out = new StringWriter();
        XMLStreamWriter writer = XML_OUT.createXMLStreamWriter(out);
        int depth = 0;
        do {
            switch (xml.getEventType()) {
                case XMLStreamConstants.START_ELEMENT -> {
                    depth++;
                    writer.writeStartElement(xml.getLocalName());
                    for (int i = 0; i < xml.getAttributeCount(); i++) {
                        writer.writeAttribute(xml.getAttributeLocalName(i), xml.getAttributeValue(i));
                    }
                }
                case XMLStreamConstants.END_ELEMENT -> {
                    depth--;
                    writer.writeEndElement();
                }
                case XMLStreamConstants.CHARACTERS, XMLStreamConstants.CDATA, XMLStreamConstants.SPACE ->
                    writer.writeCharacters(xml.getText());
                case XMLStreamConstants.ENTITY_REFERENCE ->
                    throw new ProtocolException("gateway login XML refers to the undeclared entity &"
                            + xml.getLocalName() + "; in <opaque>");
                default -> {
                    // comments and processing instructions carry nothing
                }
            }
            if (depth > 0) {
                xml.next();
            }
        } while (depth > 0);
        writer.close();
        return out.toString();
    }

    /**
     * The text of an element that holds only text. Without a DTD no entity is declared, so a reference other than the
     * five XML predefines is refused rather than read as nothing.
     */
    private static String text(XMLStreamReader xml) throws XMLStreamException, ProtocolException {
        String element = xml.getLocalName();
        StringBuilder text = new StringBuilder();
        while (true) {
            switch (xml.next()) {
                case XMLStreamConstants.CHARACTERS, XMLStreamConstants.CDATA, XMLStreamConstants.SPACE ->
                    text.append(xml.getText());
                case XMLStreamConstants.ENTITY_REFERENCE ->
                    throw new ProtocolException("gateway login XML refers to the undeclared entity &"
                            + xml.getLocalName() + "; in <" + element + ">");
                case XMLStreamConstants.START_ELEMENT ->
                    throw new ProtocolException("gateway login XML has an element <" + xml.getLocalName() + "> inside <"
                            + element + ">, which holds only text");
                case XMLStreamConstants.END_ELEMENT -> {
                    return text.toString().strip();
                }
                default -> {
                    // comments and processing instructions carry nothing
                }
            }
        }
    }

    /** An {@code <input>}, or nothing for the buttons ({@code submit}, {@code reset}) a client does not answer. */
    private static Optional<FormField> input(XMLStreamReader xml) throws ProtocolException {
        String type = attribute(xml, "type");
        FormField.Kind kind = switch (type) {
            case "text", "" -> FormField.Kind.TEXT;
            case "password" -> FormField.Kind.PASSWORD;
            case "hidden" -> FormField.Kind.HIDDEN;
            case "sso" -> FormField.Kind.SSO;
            case "submit", "reset" -> null;
            default -> FormField.Kind.OTHER;
        };
        if (kind == null) {
            return Optional.empty();
        }
        return Optional.of(new FormField(
                required(xml, "name"),
                kind,
                attribute(xml, "label"),
                attribute(xml, "value"),
                List.of(),
                attribute(xml, "second-auth").equals("1")));
    }

    private static String attribute(XMLStreamReader xml, String name) {
        String value = xml.getAttributeValue(null, name);
        return value == null ? "" : value;
    }

    private static String required(XMLStreamReader xml, String name) throws ProtocolException {
        String value = attribute(xml, name);
        if (value.isEmpty()) {
            throw new ProtocolException("gateway login form has an <" + xml.getLocalName() + "> without a " + name);
        }
        if (!value.matches("[A-Za-z_][A-Za-z0-9_.-]{0,63}")) {
            // The name becomes an element name in our reply: only plain names are safe to echo, and XML names start
            // with a letter or an underscore.
            throw new ProtocolException("gateway login form has a field with an unusable name '" + value + "'");
        }
        return value;
    }

    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&apos;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    private static XMLInputFactory hardenedFactory() {
        XMLInputFactory factory = XMLInputFactory.newDefaultFactory();
        factory.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        factory.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        factory.setProperty(XMLInputFactory.IS_REPLACING_ENTITY_REFERENCES, false);
        return factory;
    }
}
