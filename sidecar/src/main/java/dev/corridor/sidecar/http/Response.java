package dev.corridor.sidecar.http;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** A complete answer: status, body and any headers beyond the ones every answer carries. */
record Response(int status, String contentType, String body, Map<String, String> headers) {

    Response {
        headers = Map.copyOf(headers);
    }

    static Response text(int status, String body) {
        return new Response(status, "text/plain", body, Map.of());
    }

    Response with(String header, String value) {
        Map<String, String> more = new LinkedHashMap<>(headers);
        more.put(header, value);
        return new Response(status, contentType, body, more);
    }

    /**
     * The bytes to send. Every answer closes its connection: a connection serves one request, so none sits idle
     * holding a slot (the kubelet opens a connection per probe anyway).
     */
    byte[] encode(boolean withBody) {
        byte[] content = body.getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder(160)
                .append("HTTP/1.1 ")
                .append(status)
                .append(' ')
                .append(reason(status))
                .append("\r\n")
                .append("Content-Type: ")
                .append(contentType)
                .append("; charset=utf-8\r\n")
                .append("Content-Length: ")
                .append(content.length)
                .append("\r\n")
                .append("Cache-Control: no-store\r\n")
                .append("Connection: close\r\n");
        headers.forEach(
                (name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
        byte[] headBytes = head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
        if (!withBody) {
            return headBytes;
        }
        byte[] all = new byte[headBytes.length + content.length];
        System.arraycopy(headBytes, 0, all, 0, headBytes.length);
        System.arraycopy(content, 0, all, headBytes.length, content.length);
        return all;
    }

    private static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 431 -> "Request Header Fields Too Large";
            case 500 -> "Internal Server Error";
            case 503 -> "Service Unavailable";
            default -> throw new IllegalArgumentException("no reason phrase for status " + status);
        };
    }
}
