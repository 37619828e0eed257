package dev.corridor.operator.webhook;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * An HTTP/1.1 request's line and headers, as much of them as the webhook uses.
 *
 * @param path          the request target without its query
 * @param keepAlive     the client lets the connection carry another request
 * @param contentLength the body's declared length, when there is one
 * @param chunked       the body comes with a Transfer-Encoding instead (the webhook reads none such)
 */
record RequestHead(String method, String path, boolean keepAlive, OptionalLong contentLength, boolean chunked) {
    private static final Pattern TOKEN = Pattern.compile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$");
    private static final Pattern DIGITS = Pattern.compile("^[0-9]{1,18}$");
    /** CR LF CR LF, the blank line after the headers, as the last four bytes read. */
    private static final int END = 0x0d0a0d0a;

    /** A head that is not HTTP/1.x, or too large; the message says what is wrong. */
    static final class Malformed extends Exception {
        Malformed(String message) {
            super(message);
        }
    }

    /** Reads up to the blank line that ends the head, never more than {@code maxBytes}; the first byte is read already. */
    static RequestHead read(int first, InputStream in, int maxBytes) throws IOException, Malformed {
        ByteArrayOutputStream head = new ByteArrayOutputStream(512);
        head.write(first);
        int lastFour = first;
        while (lastFour != END) {
            int next = in.read();
            if (next < 0) {
                throw new IOException("the connection ended within the request head");
            }
            if (head.size() >= maxBytes) {
                throw new Malformed("request head larger than " + maxBytes + " bytes");
            }
            head.write(next);
            lastFour = lastFour << 8 | next;
        }
        return parse(head.toString(StandardCharsets.ISO_8859_1));
    }

    static RequestHead parse(String text) throws Malformed {
        String[] lines = text.split("\r\n");
        String[] request = lines[0].split(" ", -1);
        if (request.length != 3
                || !TOKEN.matcher(request[0]).matches()
                || !request[1].startsWith("/")
                || !(request[2].equals("HTTP/1.1") || request[2].equals("HTTP/1.0"))) {
            throw new Malformed("not an HTTP/1.1 request line");
        }
        boolean keepAlive = request[2].equals("HTTP/1.1");
        OptionalLong contentLength = OptionalLong.empty();
        boolean chunked = false;
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon <= 0 || !TOKEN.matcher(lines[i].substring(0, colon)).matches()) {
                throw new Malformed("not a header line: " + abbreviated(lines[i]));
            }
            String name = lines[i].substring(0, colon).toLowerCase(Locale.ROOT);
            String value = lines[i].substring(colon + 1).strip();
            switch (name) {
                case "content-length" -> {
                    if (!DIGITS.matcher(value).matches()
                            || (contentLength.isPresent() && contentLength.getAsLong() != Long.parseLong(value))) {
                        throw new Malformed("Content-Length '" + abbreviated(value) + "' is not one length");
                    }
                    contentLength = OptionalLong.of(Long.parseLong(value));
                }
                case "transfer-encoding" -> chunked = true;
                case "connection" ->
                    keepAlive = keepAlive && !value.toLowerCase(Locale.ROOT).contains("close");
                default -> {
                    // not used
                }
            }
        }
        int query = request[1].indexOf('?');
        return new RequestHead(
                request[0], query < 0 ? request[1] : request[1].substring(0, query), keepAlive, contentLength, chunked);
    }

    private static String abbreviated(String text) {
        return text.length() <= 40 ? text : text.substring(0, 40) + "...";
    }
}
