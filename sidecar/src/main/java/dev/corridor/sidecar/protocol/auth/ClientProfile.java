package dev.corridor.sidecar.protocol.auth;

import dev.corridor.sidecar.protocol.http.HttpRequest;

/**
 * How Corridor presents itself to the gateway, on every login request and on CONNECT.
 *
 * @param userAgent the User-Agent header
 * @param os        the platform reported in {@code <device-id>}
 * @param version   the client version in {@code <version who="vpn">}
 */
public record ClientProfile(String userAgent, ReportedOs os, String version) {
    /**
     * Newer ASAs refuse a User-Agent without "AnyConnect"; openconnect 9.20 took this prefix for that reason (commit
     * 2b0a94b9), and ocserv 1.2.4 and later class it as openconnect (worker-http.c), older ones as AnyConnect: both get
     * IPv6 and DNS.
     */
    public static final String DEFAULT_USER_AGENT = "AnyConnect-compatible OpenConnect VPN Agent v9.20 (Corridor)";

    public static final String DEFAULT_VERSION = "v9.20";

    public ClientProfile {
        if (userAgent.isBlank() || userAgent.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new IllegalArgumentException("the User-Agent must be printable text on one line");
        }
    }

    public static ClientProfile defaults() {
        return new ClientProfile(DEFAULT_USER_AGENT, ReportedOs.LINUX_64, DEFAULT_VERSION);
    }

    /** User-Agent, and for a mobile platform the identifier headers openconnect adds to every request. */
    public HttpRequest.Builder addHeaders(HttpRequest.Builder request) {
        request.header("User-Agent", userAgent);
        if (os.mobile()) {
            request.header("X-AnyConnect-Identifier-ClientVersion", version)
                    .header("X-AnyConnect-Identifier-Platform", os.id())
                    .header("X-AnyConnect-Identifier-PlatformVersion", ReportedOs.MOBILE_PLATFORM_VERSION)
                    .header("X-AnyConnect-Identifier-DeviceType", os.id())
                    .header("X-AnyConnect-Identifier-Device-UniqueID", ReportedOs.MOBILE_UNIQUE_ID);
        }
        return request;
    }
}
