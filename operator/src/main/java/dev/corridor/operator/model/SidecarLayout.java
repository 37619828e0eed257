package dev.corridor.operator.model;

import java.util.List;

/**
 * Where things are in an injected pod: names, mount paths and the labels and annotations that tie a pod to its
 * tunnel. The rendered configuration and the injected container must agree on these, so they live in one place.
 */
public final class SidecarLayout {
    /** The pod annotation that asks for a tunnel: its value names a VpnTunnel in the pod's namespace. */
    public static final String TUNNEL_ANNOTATION = "corridor.dev/tunnel";
    /** The label the webhook puts on injected pods, so the operator can list a tunnel's pods. */
    public static final String TUNNEL_LABEL = "corridor.dev/tunnel";
    /** Per-pod overrides. */
    public static final String LOG_LEVEL_ANNOTATION = "corridor.dev/log-level";

    public static final String IMAGE_ANNOTATION = "corridor.dev/image";

    /** The values corridor.dev/log-level takes: the sidecar's --log-level. */
    public static final List<String> LOG_LEVELS = List.of("error", "warn", "info", "debug");

    public static final String CONTAINER_NAME = "corridor-sidecar";
    public static final String PORT_NAME = "corridor-http";
    public static final int DEFAULT_HTTP_PORT = 9478;
    /**
     * The sidecar's HTTP port is the first of DEFAULT_HTTP_PORT and the next few that no other container of the pod
     * declares. Bounded, so that a NetworkPolicy can name exactly these ports (the chart's does).
     */
    public static final int HTTP_PORT_COUNT = 8;

    public static final int LAST_HTTP_PORT = DEFAULT_HTTP_PORT + HTTP_PORT_COUNT - 1;
    /** The node's address (the downward API's status.hostIP), which the sidecar keeps out of the tunnel's routes. */
    public static final String NODE_IP_VARIABLE = "CORRIDOR_NODE_IP";

    public static final String CONFIG_VOLUME = "corridor-config";
    public static final String CONFIG_DIRECTORY = "/etc/corridor/config";
    public static final String CONFIG_KEY = "corridor.yaml";
    public static final String CREDENTIALS_VOLUME = "corridor-credentials";
    public static final String CREDENTIALS_DIRECTORY = "/etc/corridor/credentials";
    public static final String USERNAME_FILE = "username";
    public static final String PASSWORD_FILE = "password";
    public static final String CA_VOLUME = "corridor-ca";
    public static final String CA_DIRECTORY = "/etc/corridor/ca";
    public static final String CA_FILE = "ca.crt";
    /** What spec.authentication names beyond the credentials: each a Secret volume of its own, read-only, its files at fixed names. */
    public static final String TOKEN_VOLUME = "corridor-token";

    public static final String TOKEN_DIRECTORY = "/etc/corridor/token";
    public static final String TOKEN_SEED_FILE = "seed";
    public static final String CLIENT_CERTIFICATE_VOLUME = "corridor-client-certificate";
    public static final String CLIENT_CERTIFICATE_DIRECTORY = "/etc/corridor/client-certificate";
    public static final String MCA_CERTIFICATE_VOLUME = "corridor-mca-certificate";
    public static final String MCA_CERTIFICATE_DIRECTORY = "/etc/corridor/mca-certificate";
    public static final String COOKIE_VOLUME = "corridor-cookie";
    public static final String COOKIE_DIRECTORY = "/etc/corridor/cookie";
    public static final String COOKIE_FILE = "cookie";
    public static final String TUN_VOLUME = "corridor-tun";
    public static final String TUN_DEVICE = "/dev/net/tun";
    public static final String TMP_VOLUME = "corridor-tmp";
    /** The tunnel's status token, which callers of the sidecar's /status other than loopback must present. */
    public static final String STATUS_TOKEN_VOLUME = "corridor-status-token";

    public static final String STATUS_TOKEN_DIRECTORY = "/etc/corridor/status-token";
    public static final String STATUS_TOKEN_KEY = "token";
    /**
     * Where the sidecar's DNS forwarder listens, and so the pod's nameserver: resolv.conf takes no port, hence 53, which
     * needs NET_BIND_SERVICE. Loopback only: the forwarder is never an open resolver.
     */
    public static final String DNS_ADDRESS = "127.0.0.1";

    public static final int DNS_PORT = 53;
    /** What kubelet writes into a ClusterFirst pod's resolv.conf, kept in the pod's own dnsConfig. */
    public static final String DNS_NDOTS = "5";
    /** Every object the operator names for a tunnel starts with this, and it writes no object that does not. */
    public static final String NAME_PREFIX = "corridor-";

    private SidecarLayout() {}

    /** The ConfigMap holding a tunnel's sidecar configuration. */
    public static String configMapName(String tunnel) {
        return NAME_PREFIX + tunnel;
    }

    /** The Secret holding a tunnel's status token. */
    public static String statusTokenSecretName(String tunnel) {
        return NAME_PREFIX + tunnel + "-status-token";
    }
}
