package dev.corridor.sidecar.protocol.sso;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;

/**
 * A request to the local listener of an external-browser login, judged by its request line as openconnect's
 * {@code hpke.c handle_external_browser} judges it: after the login the gateway sends the browser to
 * {@code http://localhost:29786/api/sso/<token>[?return=<url>]}, the token URL-encoded base64.
 */
public sealed interface BrowserRequest {
    String PATH = "/api/sso/";

    /** Not an HTTP GET request line: dropped unanswered. */
    record Malformed() implements BrowserRequest {}

    /** Another path (a favicon, a probe), or a token that is not base64: 404, and the wait goes on. */
    record NotFound() implements BrowserRequest {}

    /**
     * The browser, back from the login with the encrypted token.
     *
     * @param returnTo where the gateway wants the browser to go next (its final page): only an absolute http or https
     *                 URL of printable ASCII, since it becomes a Location header
     */
    record Callback(byte[] token, Optional<String> returnTo) implements BrowserRequest {
        public Callback {
            token = token.clone();
        }

        @Override
        public byte[] token() {
            return token.clone();
        }

        @Override
        public String toString() {
            return "Callback[" + token.length + " bytes]";
        }
    }

    /** @param requestLine the request's first line, without its line end */
    static BrowserRequest parse(String requestLine) {
        String version = " HTTP/1.";
        int versionAt = requestLine.length() - version.length() - 1;
        if (!requestLine.startsWith("GET /")
                || versionAt < 5
                || !requestLine.startsWith(version, versionAt)
                || !Character.isDigit(requestLine.charAt(requestLine.length() - 1))) {
            return new Malformed();
        }
        String target = requestLine.substring(4, versionAt);
        if (!target.startsWith(PATH)) {
            return new NotFound();
        }
        String rest = target.substring(PATH.length());
        int query = rest.indexOf('?');
        String encoded = query < 0 ? rest : rest.substring(0, query);
        Optional<String> returnTo = Optional.empty();
        if (query >= 0) {
            for (String parameter : rest.substring(query + 1).split("&")) {
                if (parameter.startsWith("return=")) {
                    returnTo = decode(parameter.substring(7))
                            .filter(BrowserRequest::isPlainWebUrl); // the last one, as hpke.c
                }
            }
        }
        Optional<byte[]> token = decode(encoded).flatMap(BrowserRequest::base64).filter(bytes -> bytes.length > 0);
        return token.isPresent() ? new Callback(token.get(), returnTo) : new NotFound();
    }

    /** Form-style URL decoding ('+' is a space), as hpke.c's urldecode_inplace: a '+' of base64 must come as %2B. */
    private static Optional<String> decode(String text) {
        try {
            return Optional.of(URLDecoder.decode(text, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static Optional<byte[]> base64(String text) {
        try {
            return Optional.of(Base64.getDecoder().decode(text));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static boolean isPlainWebUrl(String url) {
        if (url.chars().anyMatch(c -> c <= ' ' || c >= 0x7f)) {
            return false;
        }
        try {
            URI uri = new URI(url);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            return (scheme.equals("https") || scheme.equals("http")) && uri.getHost() != null;
        } catch (URISyntaxException e) {
            return false;
        }
    }
}
