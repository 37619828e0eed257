package dev.corridor.operator.model;

import java.util.List;
import java.util.regex.Pattern;

/**
 * The images a pod may ask for with the {@code corridor.dev/image} annotation: that image runs with the sidecar's
 * capabilities and mounts, so only images the cluster's administrator lists are accepted. Empty: none.
 *
 * <p>An entry is a digest ({@code sha256:HEX}: that content, from any repository), a repository
 * ({@code registry.example.com/corridor/sidecar}: any tag or digest of it), a registry or repository path ending in
 * {@code /} (everything below it), or a whole reference. Entries match the annotation's text as written: no
 * registry or {@code library/} is filled in.
 */
public record AllowedImages(List<String> entries) {
    private static final Pattern DIGEST = Pattern.compile("^sha256:[0-9a-f]{64}$");
    private static final Pattern REFERENCE = Pattern.compile("^[a-z0-9][a-zA-Z0-9._:/@-]*$");
    public static final AllowedImages NONE = new AllowedImages(List.of());

    public AllowedImages {
        entries = List.copyOf(entries);
        for (String entry : entries) {
            if (!DIGEST.matcher(entry).matches() && !REFERENCE.matcher(entry).matches()) {
                throw new IllegalArgumentException(
                        "'" + entry + "' is neither sha256:HEX nor an image reference or prefix");
            }
        }
    }

    public boolean allows(String image) {
        return entries.stream()
                .anyMatch(entry ->
                        DIGEST.matcher(entry).matches() ? image.endsWith("@" + entry) : matchesPrefix(image, entry));
    }

    /**
     * A prefix counts only at a boundary: {@code registry.example.com/corridor} allows its own tags and digests, not
     * {@code registry.example.com/corridor-evil} nor {@code registry.example.com/corridor/evil}; and a colon starts a
     * tag only when no slash follows, so {@code registry.example.com} does not allow {@code registry.example.com:5000/x}.
     */
    private static boolean matchesPrefix(String image, String entry) {
        if (!image.startsWith(entry)) {
            return false;
        }
        if (image.length() == entry.length() || entry.endsWith("/")) {
            return true;
        }
        char next = image.charAt(entry.length());
        return next == '@' || (next == ':' && image.indexOf('/', entry.length()) < 0);
    }

    @Override
    public String toString() {
        return entries.isEmpty() ? "none" : String.join(", ", entries);
    }
}
