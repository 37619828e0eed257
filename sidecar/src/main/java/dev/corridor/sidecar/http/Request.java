package dev.corridor.sidecar.http;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

/**
 * What the endpoints need of a request: the method, the path (query dropped), the {@code Authorization} header, and
 * the address the connection comes from. Other headers are not kept: access depends on the connection's address and
 * the token, never on a header such as {@code X-Forwarded-For}.
 */
record Request(String method, String path, Optional<String> authorization, InetAddress remote) {

    /** Thrown for a request head that is not HTTP/1.x; the message says what is wrong and is sent back as a 400. */
    static final class MalformedRequestException extends Exception {
        MalformedRequestException(String message) {
            super(message);
        }
    }

    /** Where the head ends: the index after its blank line (CRLF CRLF, or LF LF), or -1 if it has not arrived yet. */
    static int endOfHead(byte[] bytes, int from, int length) {
        for (int i = from; i < length; i++) {
            if (bytes[i] != '\n') {
                continue;
            }
            if (i + 1 < length && bytes[i + 1] == '\n') {
                return i + 2;
            }
            if (i + 2 < length && bytes[i + 1] == '\r' && bytes[i + 2] == '\n') {
                return i + 3;
            }
        }
        return -1;
    }

    /** Parses a head (ISO-8859-1 text, up to and including its blank line). */
    static Request parse(String head, InetAddress remote) throws MalformedRequestException {
        List<String> lines = head.lines().toList();
        String[] requestLine = lines.getFirst().split(" ", -1);
        if (requestLine.length != 3 || requestLine[0].isEmpty() || !requestLine[2].matches("HTTP/1\\.[01]")) {
            throw new MalformedRequestException("the request line must be METHOD /PATH HTTP/1.1");
        }
        String target = requestLine[1];
        if (!target.startsWith("/")) {
            throw new MalformedRequestException("the request target must be a path such as /status");
        }
        int query = target.indexOf('?');
        String path = query < 0 ? target : target.substring(0, query);
        Optional<String> authorization = Optional.empty();
        for (String line : lines.subList(1, lines.size())) {
            if (line.isEmpty()) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0 || line.substring(0, colon).chars().anyMatch(c -> c <= ' ')) {
                throw new MalformedRequestException(
                        "a header line must be NAME: VALUE, with no space before the colon");
            }
            if (line.substring(0, colon).equalsIgnoreCase("Authorization")) {
                if (authorization.isPresent()) {
                    throw new MalformedRequestException("the request has more than one Authorization header");
                }
                authorization = Optional.of(line.substring(colon + 1).strip());
            }
        }
        return new Request(requestLine[0], path, authorization, remote);
    }
}
