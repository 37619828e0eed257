package dev.corridor.sidecar.protocol.auth;

import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The cookies a gateway sets during login ({@code webvpncontext}, then the {@code webvpn} session cookie).
 * Values are echoed back verbatim: ocserv compares the base64 text, so nothing is decoded or re-encoded.
 */
public final class CookieJar {
    /** The session cookie that authorises the CONNECT request. */
    public static final String SESSION_COOKIE = "webvpn";

    private final Map<String, String> cookies = new LinkedHashMap<>();

    /** Applies the {@code Set-Cookie} header values of one reply; an empty value or a past expiry deletes the cookie. */
    public void update(List<String> setCookieValues, Instant now) {
        for (String header : setCookieValues) {
            String[] parts = header.split(";", -1); // -1: "Set-Cookie: ;" still has a first part, if an empty one
            int eq = parts[0].indexOf('=');
            if (eq <= 0) {
                continue;
            }
            String name = parts[0].substring(0, eq).strip();
            String value = parts[0].substring(eq + 1).strip();
            if (value.isEmpty() || expired(parts, now)) {
                cookies.remove(name);
            } else {
                cookies.put(name, value);
            }
        }
    }

    /** Sets a cookie the gateway handed over otherwise than by Set-Cookie (an ASA's {@code <session-token>}). */
    public void put(String name, String value) {
        cookies.put(name, value);
    }

    public Optional<String> get(String name) {
        return Optional.ofNullable(cookies.get(name));
    }

    public boolean isEmpty() {
        return cookies.isEmpty();
    }

    /** The {@code Cookie} request header value: {@code a=1; b=2}. */
    public String header() {
        return cookies.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining("; "));
    }

    private static boolean expired(String[] attributes, Instant now) {
        for (int i = 1; i < attributes.length; i++) {
            String attribute = attributes[i].strip();
            int eq = attribute.indexOf('=');
            if (eq < 0) {
                continue;
            }
            String key = attribute.substring(0, eq).strip();
            String value = attribute.substring(eq + 1).strip();
            if (key.equalsIgnoreCase("Max-Age")) {
                try {
                    return Long.parseLong(value) <= 0;
                } catch (NumberFormatException e) {
                    return false;
                }
            }
            if (key.equalsIgnoreCase("Expires")) {
                try {
                    return !ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME)
                            .toInstant()
                            .isAfter(now);
                } catch (DateTimeParseException e) {
                    return false;
                }
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "CookieJar" + cookies.keySet(); // names only: values are credentials
    }
}
