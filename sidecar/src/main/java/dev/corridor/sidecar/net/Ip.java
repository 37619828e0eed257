package dev.corridor.sidecar.net;

import java.net.InetAddress;
import java.util.regex.Pattern;

/** IP literals: parsed without ever touching DNS. */
public final class Ip {
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

    private Ip() {}

    /** True when the text is an IPv4 or IPv6 literal (and so no host name to resolve or send as SNI). */
    public static boolean isLiteral(String text) {
        String bare = stripBrackets(text);
        return IPV4.matcher(bare).matches() || IPV6.matcher(bare).matches();
    }

    /** @throws IllegalArgumentException when the text is not an IP literal */
    public static InetAddress parseAddress(String text) {
        String bare = stripBrackets(text.strip());
        if (!isLiteral(bare)) {
            throw new IllegalArgumentException("'" + text + "' is not an IP address");
        }
        try {
            // Never getByName: text that looks like a literal but is not one (999.1.1.1, "...:") would go to DNS.
            return InetAddress.ofLiteral(bare);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + text + "' is not an IP address");
        }
    }

    private static String stripBrackets(String text) {
        return text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
    }
}
