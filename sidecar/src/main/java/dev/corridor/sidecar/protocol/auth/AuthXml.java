package dev.corridor.sidecar.protocol.auth;

import dev.corridor.sidecar.protocol.ProtocolException;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.MissingResourceException;
import java.util.Optional;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * The aggregate-auth XML documents: the client's init and auth-reply bodies, and the gateway's replies.
 * Gateway XML is untrusted: a DOCTYPE (and with it every entity trick, XXE or "billion laughs") is refused outright.
 */
public final class AuthXml {
    private static final String VERSION = "<version who=\"vpn\">v9.01</version><device-id>linux-64</device-id>";
    private static final XMLInputFactory XML = hardenedFactory();

    private AuthXml() {
    }

    /** The first POST: {@code <config-auth type="init">}. ocserv recognises XML only when the body contains {@code <?xml}. */
    public static byte[] init(String groupAccessUrl, Optional<String> groupSelect) {
        StringBuilder xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
                .append("<config-auth client=\"vpn\" type=\"init\" aggregate-auth-version=\"2\">")
                .append(VERSION)
                .append("<group-access>").append(escape(groupAccessUrl)).append("</group-access>");
        groupSelect.ifPresent(g -> xml.append("<group-select>").append(escape(g)).append("</group-select>"));
        return xml.append("</config-auth>").toString().getBytes(StandardCharsets.UTF_8);
    }

    /** An answer to a form: each field as {@code <NAME>value</NAME>} inside {@code <auth>}. */
    public static byte[] reply(List<Map.Entry<String, String>> fields, Optional<String> groupSelect) {
        StringBuilder xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
                .append("<config-auth client=\"vpn\" type=\"auth-reply\" aggregate-auth-version=\"2\">")
                .append(VERSION)
                .append("<auth>");
        for (Map.Entry<String, String> field : fields) {
            xml.append('<').append(field.getKey()).append('>')
                    .append(escape(field.getValue()))
                    .append("</").append(field.getKey()).append('>');
        }
        xml.append("</auth>");
        groupSelect.ifPresent(g -> xml.append("<group-select>").append(escape(g)).append("</group-select>"));
        return xml.append("</config-auth>").toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Parses a gateway reply body. */
    public static AuthReply parse(byte[] body) throws ProtocolException {
        try {
            XMLStreamReader xml = XML.createXMLStreamReader(new ByteArrayInputStream(body));
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

    private static AuthReply parse(XMLStreamReader xml) throws XMLStreamException, ProtocolException {
        String replyType = null;
        String authId = null;
        String message = null;
        String error = null;
        String banner = null;
        String action = null;
        List<FormField> fields = new ArrayList<>();
        String selectName = null;
        String selectLabel = null;
        List<FormField.Option> options = new ArrayList<>();
        while (xml.hasNext()) {
            int event = xml.next();
            if (event == XMLStreamConstants.DTD) {
                throw new ProtocolException("gateway login XML contains a DOCTYPE declaration; refused (entities are not accepted from a gateway)");
            }
            if (event == XMLStreamConstants.END_ELEMENT && xml.getLocalName().equals("select")) {
                fields.add(new FormField(selectName, FormField.Kind.SELECT, selectLabel, "", options));
                selectName = null;
                options = new ArrayList<>();
                continue;
            }
            if (event != XMLStreamConstants.START_ELEMENT) {
                continue;
            }
            switch (xml.getLocalName()) {
                case "config-auth" -> replyType = attribute(xml, "type");
                case "auth" -> authId = attribute(xml, "id");
                case "message" -> message = text(xml);
                case "error" -> error = text(xml);
                case "banner" -> banner = text(xml);
                case "form" -> action = attribute(xml, "action");
                case "input" -> fields.add(input(xml));
                case "select" -> {
                    if (selectName != null) {
                        throw new ProtocolException("gateway login form has a <select> inside the <select> '" + selectName + "'");
                    }
                    selectName = required(xml, "name");
                    selectLabel = attribute(xml, "label");
                }
                case "option" -> {
                    String value = attribute(xml, "value");
                    String label = text(xml);
                    options.add(new FormField.Option(value.isEmpty() ? label : value, label));
                }
                default -> {
                    // Elements a form may carry that carry nothing for a client (title, version, opaque...).
                }
            }
        }
        if (replyType == null) {
            throw new ProtocolException("gateway reply is not aggregate-auth XML (no <config-auth> element)");
        }
        if ("success".equals(authId) || "complete".equals(replyType)) {
            return new AuthReply.Success(Optional.ofNullable(banner));
        }
        if (!"auth-request".equals(replyType)) {
            throw new ProtocolException("gateway sent a login reply of unexpected type '" + replyType + "'");
        }
        return new AuthReply.Form(authId == null ? "" : authId, Optional.ofNullable(message), Optional.ofNullable(error),
                Optional.ofNullable(banner), action == null ? "" : action, fields);
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
                case XMLStreamConstants.CHARACTERS, XMLStreamConstants.CDATA, XMLStreamConstants.SPACE -> text.append(xml.getText());
                case XMLStreamConstants.ENTITY_REFERENCE -> throw new ProtocolException("gateway login XML refers to the undeclared entity &"
                        + xml.getLocalName() + "; in <" + element + ">");
                case XMLStreamConstants.START_ELEMENT -> throw new ProtocolException("gateway login XML has an element <"
                        + xml.getLocalName() + "> inside <" + element + ">, which holds only text");
                case XMLStreamConstants.END_ELEMENT -> {
                    return text.toString().strip();
                }
                default -> {
                    // comments and processing instructions carry nothing
                }
            }
        }
    }

    private static FormField input(XMLStreamReader xml) throws ProtocolException {
        String type = attribute(xml, "type");
        FormField.Kind kind = switch (type) {
            case "text", "" -> FormField.Kind.TEXT;
            case "password" -> FormField.Kind.PASSWORD;
            case "hidden" -> FormField.Kind.HIDDEN;
            default -> FormField.Kind.OTHER;
        };
        return new FormField(required(xml, "name"), kind, attribute(xml, "label"), attribute(xml, "value"), List.of());
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
        for (char c : text.toCharArray()) {
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
