package dev.corridor.sidecar.protocol.auth;

import java.util.Arrays;
import java.util.Optional;

/**
 * The platform the client reports ({@code --os}), exactly the values openconnect accepts ({@code library.c},
 * {@code openconnect_set_reported_os}). It is the text of {@code <device-id>}; the mobile ones add device attributes
 * and the {@code X-AnyConnect-Identifier-*} headers ({@code auth.c xmlpost_new_query}, {@code cstp.c
 * append_mobile_headers}). Like openconnect since 8.20, no {@code X-AnyConnect-Platform} header is sent: newer ASAs
 * refuse clients that send it.
 */
public enum ReportedOs {
    LINUX("linux"),
    LINUX_64("linux-64"),
    WIN("win"),
    MAC_INTEL("mac-intel"),
    ANDROID("android"),
    APPLE_IOS("apple-ios");

    /** The unique id openconnect reports for a mobile platform: forty A's. */
    static final String MOBILE_UNIQUE_ID = "A".repeat(40);

    static final String MOBILE_PLATFORM_VERSION = "1.0";

    private final String id;

    ReportedOs(String id) {
        this.id = id;
    }

    /** The name on the wire and on the command line. */
    public String id() {
        return id;
    }

    public boolean mobile() {
        return this == ANDROID || this == APPLE_IOS;
    }

    public static Optional<ReportedOs> of(String id) {
        return Arrays.stream(values()).filter(os -> os.id.equals(id)).findFirst();
    }
}
