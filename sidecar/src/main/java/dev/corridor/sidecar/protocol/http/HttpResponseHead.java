package dev.corridor.sidecar.protocol.http;

import dev.corridor.sidecar.protocol.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/** The status line and headers of an HTTP/1.x response. */
public record HttpResponseHead(int status, String reason, HttpHeaders headers) {
    /** More header lines than any gateway sends; a reply beyond this is refused rather than held in memory. */
    static final int MAX_HEADER_LINES = 512;

    /** Parses the head from {@code buf[off..off+len)}, which ends with the blank line. */
    public static HttpResponseHead parse(byte[] buf, int off, int len) throws ProtocolException {
        String text = new String(buf, off, len, StandardCharsets.ISO_8859_1);
        String[] lines = text.split("\r\n", -1);
        if (lines.length > MAX_HEADER_LINES) {
            throw new ProtocolException(
                    "gateway sent an HTTP reply with more than " + MAX_HEADER_LINES + " header lines");
        }
        String statusLine = lines[0];
        if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12 || statusLine.charAt(8) != ' ') {
            throw new ProtocolException("gateway sent no HTTP status line: '" + printable(statusLine) + "'");
        }
        for (String line : lines) {
            refuseControlCharacters(line);
        }
        int status;
        try {
            status = Integer.parseInt(statusLine.substring(9, 12));
        } catch (NumberFormatException e) {
            throw new ProtocolException("gateway sent a bad HTTP status line: '" + printable(statusLine) + "'");
        }
        String reason = statusLine.length() > 13 ? statusLine.substring(13) : "";
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        for (int i = 1; i < lines.length; i++) {
            String line = lines[i];
            if (line.isEmpty()) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new ProtocolException("gateway sent a bad HTTP header line: '" + printable(line) + "'");
            }
            headers.add(Map.entry(
                    line.substring(0, colon).strip(), line.substring(colon + 1).strip()));
        }
        return new HttpResponseHead(status, reason, new HttpHeaders(headers));
    }

    /**
     * HTTP allows no control character but tab in a head. A bare CR or LF would end up in the next request (a cookie is
     * echoed back) or in an error message on the terminal, so the reply is refused at once.
     */
    private static void refuseControlCharacters(String line) throws ProtocolException {
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                throw new ProtocolException(
                        "gateway sent an HTTP head line with a control character (only tab is allowed): '"
                                + printable(line) + "'");
            }
        }
    }

    /** The Content-Length, when present and valid. */
    public OptionalLong contentLength() throws ProtocolException {
        var value = headers.first("Content-Length");
        if (value.isEmpty()) {
            return OptionalLong.empty();
        }
        try {
            long length = Long.parseLong(value.get());
            if (length < 0) {
                throw new NumberFormatException();
            }
            return OptionalLong.of(length);
        } catch (NumberFormatException e) {
            throw new ProtocolException("gateway sent a bad Content-Length: '" + printable(value.get()) + "'");
        }
    }

    /** "401 Authentication failed" */
    public String statusText() {
        return reason.isEmpty() ? Integer.toString(status) : status + " " + reason;
    }

    /** The text with control characters escaped and cut to a readable length, for error messages. */
    static String printable(String text) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length() && out.length() < 120; i++) {
            char c = text.charAt(i);
            out.append(c < 0x20 || c > 0x7e ? String.format("\\x%02x", (int) c) : String.valueOf(c));
        }
        return text.length() > 120 ? out + "..." : out.toString();
    }
}
