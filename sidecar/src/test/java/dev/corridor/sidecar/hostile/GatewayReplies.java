package dev.corridor.sidecar.hostile;

import dev.corridor.sidecar.Fixtures;
import dev.corridor.sidecar.hostile.ScriptedGateway.Reply;
import dev.corridor.sidecar.hostile.ScriptedGateway.Script;
import dev.corridor.sidecar.protocol.cstp.CstpFraming;
import dev.corridor.sidecar.protocol.cstp.PacketType;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a scripted gateway says: ocserv's own replies (captured from ocserv 1.1.6 in the lab) and the broken and
 * hostile ones the tests put in their place.
 */
final class GatewayReplies {
    /** The session cookie: 32 bytes in base64, as ocserv's. */
    private static final String SESSION_COOKIE = "Tq3ygXJm0HcYd0BQ8Lm+ZK2lO7V5ZrVtq1ZcQ2y6W6k=";

    private static final String CONTEXT_COOKIE = "AI5joj4R/2/OCI8XXKIxo2wXScYMSzacpmleIjZubOU=";

    static final Reply USERNAME_FORM = ocservXml(
            "form-username.xml",
            "Set-Cookie: webvpncontext=; expires=Thu, 01 Jan 1970 22:00:00 GMT; path=/; Secure; HttpOnly");
    private static final Reply PASSWORD_FORM = ocservXml(
            "form-password.xml", "Set-Cookie: webvpncontext=" + CONTEXT_COOKIE + "; Max-Age=300; Secure; HttpOnly");
    private static final Reply SUCCESS = ocservXml(
            "success.xml",
            "Connection: Keep-Alive",
            "Set-Cookie: webvpncontext=" + CONTEXT_COOKIE + "; Secure; HttpOnly",
            "Set-Cookie: webvpn=" + SESSION_COOKIE + "; Secure; HttpOnly");

    private GatewayReplies() {}

    /** ocserv's login (user name, then password), then {@code connect} for the CONNECT request. */
    static Script ocserv(Reply connect) {
        return ocserv(USERNAME_FORM, connect);
    }

    /** ocserv's login with {@code init} as the answer to the first POST; the tests that use it never get to CONNECT. */
    static Script login(Reply init) {
        return ocserv(init, close());
    }

    private static Script ocserv(Reply init, Reply connect) {
        return request -> {
            if (request.isConnect()) {
                return connect;
            }
            if (request.bodyText().contains("<username>")) {
                return PASSWORD_FORM;
            }
            return request.bodyText().contains("<password>") ? SUCCESS : init;
        };
    }

    /** The head lines, each ended by CRLF, then the blank line. */
    private static byte[] head(List<String> lines) {
        return (String.join("\r\n", lines) + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    private static Reply bytes(byte[] bytes) {
        return out -> out.write(bytes);
    }

    static Reply text(String text) {
        return bytes(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** An XML body in ocserv's envelope. */
    static Reply xml(String body) {
        return xml(body.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code prefix}, then {@code repeated} over and over until the client closes the connection. */
    static Reply endless(String prefix, String repeated) {
        byte[] chunk =
                repeated.repeat(Math.max(1, 16 * 1024 / repeated.length())).getBytes(StandardCharsets.ISO_8859_1);
        return out -> {
            out.write(prefix.getBytes(StandardCharsets.ISO_8859_1));
            while (true) {
                out.write(chunk);
                out.flush();
            }
        };
    }

    /** {@code prefix}, then {@code body} one byte per {@code pause}. */
    static Reply trickle(String prefix, String body, Duration pause) {
        return out -> {
            out.write(prefix.getBytes(StandardCharsets.ISO_8859_1));
            for (byte b : body.getBytes(StandardCharsets.ISO_8859_1)) {
                out.flush();
                Thread.sleep(pause);
                out.write(b);
            }
        };
    }

    /** Closes the connection (with a TLS close_notify, as an orderly TLS server does). */
    static Reply close() {
        return out -> out.close();
    }

    static Reply then(Reply... replies) {
        return out -> {
            for (Reply reply : replies) {
                reply.writeTo(out);
            }
        };
    }

    /** A well-formed CSTP frame of any type code, also of one AnyConnect does not define. */
    static byte[] frame(int typeCode, byte[] payload) {
        byte[] frame = new byte[CstpFraming.HEADER_LENGTH + payload.length];
        CstpFraming.writeHeader(frame, 0, PacketType.DATA, payload.length);
        frame[6] = (byte) typeCode;
        System.arraycopy(payload, 0, frame, CstpFraming.HEADER_LENGTH, payload.length);
        return frame;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    /** ocserv's CONNECT reply for a CSTP-only session (captured in the lab), to be changed header by header. */
    static final class ConnectReply {
        private final List<String> lines;

        private ConnectReply(List<String> lines) {
            this.lines = lines;
        }

        static ConnectReply ocserv() {
            return new ConnectReply(
                    new ArrayList<>(new String(Fixtures.bytes("connect-reply-cstp.txt"), StandardCharsets.ISO_8859_1)
                            .strip()
                            .lines()
                            .toList()));
        }

        /** Without any header of this name. */
        ConnectReply without(String name) {
            lines.removeIf(line -> line.toLowerCase(Locale.ROOT).startsWith(name.toLowerCase(Locale.ROOT) + ":"));
            return this;
        }

        /** With this one value for the header, in place of whatever ocserv sent. */
        ConnectReply with(String name, String value) {
            return without(name).adding(name, value);
        }

        ConnectReply adding(String name, String value) {
            lines.add(name + ": " + value);
            return this;
        }

        /** The head, then the CSTP stream. */
        Reply followedBy(byte[] cstp) {
            return bytes(concat(GatewayReplies.head(lines), cstp));
        }

        Reply head() {
            return bytes(GatewayReplies.head(lines));
        }
    }

    private static Reply ocservXml(String fixture, String... headers) {
        return xml(Fixtures.bytes(fixture), headers);
    }

    private static Reply xml(byte[] xml, String... headers) {
        List<String> lines = new ArrayList<>(List.of("HTTP/1.1 200 OK"));
        lines.addAll(List.of(headers));
        lines.addAll(List.of("Content-Type: text/xml", "Content-Length: " + xml.length, "X-Transcend-Version: 1"));
        return then(bytes(head(lines)), bytes(xml));
    }
}
