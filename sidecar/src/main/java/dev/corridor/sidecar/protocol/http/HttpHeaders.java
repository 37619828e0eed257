package dev.corridor.sidecar.protocol.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Headers in the order they were received, with case-insensitive lookup. Names may repeat
 * (the CONNECT reply carries one {@code X-CSTP-Split-Include} per route).
 */
public record HttpHeaders(List<Map.Entry<String, String>> entries) {

    public HttpHeaders {
        entries = List.copyOf(entries);
    }

    public List<String> all(String name) {
        List<String> values = new ArrayList<>();
        for (Map.Entry<String, String> entry : entries) {
            if (entry.getKey().equalsIgnoreCase(name)) {
                values.add(entry.getValue());
            }
        }
        return values;
    }

    public Optional<String> first(String name) {
        for (Map.Entry<String, String> entry : entries) {
            if (entry.getKey().equalsIgnoreCase(name)) {
                return Optional.of(entry.getValue());
            }
        }
        return Optional.empty();
    }

    /** True when some header name starts with the prefix, ignoring case. */
    public boolean anyStartingWith(String prefix) {
        String lower = prefix.toLowerCase(Locale.ROOT);
        return entries.stream()
                .anyMatch(e -> e.getKey().toLowerCase(Locale.ROOT).startsWith(lower));
    }
}
