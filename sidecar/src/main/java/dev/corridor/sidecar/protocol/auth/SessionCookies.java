package dev.corridor.sidecar.protocol.auth;

/**
 * Session cookies as clients hand them to each other (openconnect {@code --authenticate}, {@code --cookie-on-stdin}):
 * openconnect 9.01 prints {@code webvpn=VALUE}, or {@code openconnect_strapkey=...; webvpn=VALUE} when built with
 * external-browser support, and reads a part without '=' as the webvpn value ({@code http.c internal_split_cookies}).
 * An ocserv cookie is base64 that ends in '=', so a bare one would be misread by openconnect: Corridor always hands
 * out the {@code webvpn=} form, and takes all three.
 */
public final class SessionCookies {
    private static final String PREFIX = CookieJar.SESSION_COOKIE + "=";

    private SessionCookies() {}

    /**
     * The webvpn value in a cookie as another client printed it.
     *
     * @throws IllegalArgumentException when the text holds no cookie
     */
    public static String fromText(String text) {
        String line = text.strip();
        if (line.regionMatches(true, 0, "COOKIE=", 0, 7)) {
            line = line.substring(7).strip(); // a line of openconnect --authenticate's output, taken whole
        }
        if (line.length() >= 2 && line.startsWith("'") && line.endsWith("'")) {
            line = line.substring(1, line.length() - 1);
        }
        if (line.contains(";") || line.startsWith(PREFIX)) {
            for (String part : line.split(";")) {
                String pair = part.strip();
                if (pair.startsWith(PREFIX) && pair.length() > PREFIX.length()) {
                    return pair.substring(PREFIX.length());
                }
            }
            throw new IllegalArgumentException("the cookie has no webvpn value");
        }
        if (line.isEmpty()) {
            throw new IllegalArgumentException("the cookie is empty");
        }
        return line; // a bare value: an ASA's (no '='), or an ocserv one (base64)
    }

    /** The cookie as openconnect's {@code --cookie-on-stdin} and {@code -C} take it. */
    public static String forOpenconnect(String value) {
        return PREFIX + value;
    }
}
