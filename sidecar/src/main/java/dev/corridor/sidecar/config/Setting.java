package dev.corridor.sidecar.config;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Every setting, by the name it has in the {@code --config} file (the long command-line option in camelCase), and
 * the kind of value it takes. The file accepts exactly these; the command line sets the same ones.
 */
public enum Setting {
    SERVER("server", Kind.TEXT),
    USER("user", Kind.TEXT),
    USER_FILE("userFile", Kind.TEXT),
    PASSWORD_FILE("passwordFile", Kind.TEXT),
    PASSWORD_ON_STDIN("passwordOnStdin", Kind.FLAG),
    SERVER_CERT("serverCert", Kind.LIST),
    CAFILE("cafile", Kind.TEXT),
    AUTHGROUP("authgroup", Kind.TEXT),
    FORM_ENTRY("formEntry", Kind.LIST),
    TOKEN_MODE("tokenMode", Kind.TEXT),
    TOKEN_SECRET("tokenSecret", Kind.TEXT),
    TOKEN_SECRET_FILE("tokenSecretFile", Kind.TEXT),
    CERTIFICATE("certificate", Kind.TEXT),
    SSLKEY("sslkey", Kind.TEXT),
    KEY_PASSWORD_FILE("keyPasswordFile", Kind.TEXT),
    MCA_CERTIFICATE("mcaCertificate", Kind.TEXT),
    MCA_KEY("mcaKey", Kind.TEXT),
    MCA_KEY_PASSWORD_FILE("mcaKeyPasswordFile", Kind.TEXT),
    COOKIE_ON_STDIN("cookieOnStdin", Kind.FLAG),
    COOKIE_FILE("cookieFile", Kind.TEXT),
    USERAGENT("useragent", Kind.TEXT),
    OS("os", Kind.TEXT),
    INTERFACE("interface", Kind.TEXT),
    DTLS("dtls", Kind.FLAG),
    DTLS_CIPHERS("dtlsCiphers", Kind.TEXT),
    DTLS12_CIPHERS("dtls12Ciphers", Kind.TEXT),
    PFS("pfs", Kind.FLAG),
    BASE_MTU("baseMtu", Kind.NUMBER),
    HTTP_ADDRESS("httpAddress", Kind.TEXT),
    DNS_LISTEN("dnsListen", Kind.TEXT),
    DNS_UPSTREAM("dnsUpstream", Kind.LIST),
    DNS_DOMAIN("dnsDomain", Kind.LIST),
    DNS_ALL_THROUGH_TUNNEL("dnsAllThroughTunnel", Kind.FLAG),
    CLUSTER_DOMAIN("clusterDomain", Kind.TEXT),
    FORWARD("forward", Kind.LIST),
    SOCKS_LISTEN("socksListen", Kind.TEXT),
    HTTP_PROXY_LISTEN("httpProxyListen", Kind.TEXT),
    PROXY_ALLOW_SOURCE("proxyAllowSource", Kind.LIST),
    STATUS_TOKEN_FILE("statusTokenFile", Kind.TEXT),
    ALLOW_DEFAULT_ROUTE("allowDefaultRoute", Kind.FLAG),
    ROUTE("route", Kind.LIST),
    EXCLUDE_ROUTE("excludeRoute", Kind.LIST),
    NEVER_ROUTE("neverRoute", Kind.LIST),
    FAIL_CLOSED("failClosed", Kind.FLAG),
    RECONNECT_TIMEOUT("reconnectTimeout", Kind.NUMBER),
    RECONNECT_MIN_DELAY("reconnectMinDelay", Kind.NUMBER),
    RECONNECT_MAX_DELAY("reconnectMaxDelay", Kind.NUMBER),
    LOG_LEVEL("logLevel", Kind.TEXT);

    /** What a setting's value is: text (a String), a flag (a Boolean), a whole number (an Integer) or a list of texts. */
    public enum Kind {
        TEXT,
        FLAG,
        NUMBER,
        LIST
    }

    private static final Map<String, Setting> BY_KEY =
            Arrays.stream(values()).collect(Collectors.toMap(Setting::key, Function.identity()));

    private final String key;
    private final Kind kind;

    Setting(String key, Kind kind) {
        this.key = key;
        this.kind = kind;
    }

    /** The name in the config file, and in error messages. */
    public String key() {
        return key;
    }

    public Kind kind() {
        return kind;
    }

    public static Optional<Setting> byKey(String key) {
        return Optional.ofNullable(BY_KEY.get(key));
    }
}
