package dev.corridor.operator.model;

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

    public static final String CONTAINER_NAME = "corridor-sidecar";
    public static final String PORT_NAME = "corridor-http";
    public static final int DEFAULT_HTTP_PORT = 9478;

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
    public static final String TUN_VOLUME = "corridor-tun";
    public static final String TUN_DEVICE = "/dev/net/tun";
    public static final String TMP_VOLUME = "corridor-tmp";

    private SidecarLayout() {
    }

    /** The ConfigMap holding a tunnel's sidecar configuration. */
    public static String configMapName(String tunnel) {
        return "corridor-" + tunnel;
    }
}
