package dev.corridor.sidecar;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Test fixtures: real exchanges captured from ocserv 1.1.6 in the lab (openconnect --dump-http-traffic). */
public final class Fixtures {
    private Fixtures() {}

    public static byte[] bytes(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/ocserv/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A fixture of HTTP head lines, with CRLF line ends and the closing blank line. */
    public static byte[] httpHead(String name) {
        String text = new String(bytes(name), UTF_8).strip().replace("\n", "\r\n") + "\r\n\r\n";
        return text.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    }
}
