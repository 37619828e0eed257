package dev.corridor.operator.model;

import io.fabric8.kubernetes.api.model.ResourceRequirements;

/**
 * Operator-wide injection choices, from the chart's values.
 *
 * @param image     the sidecar image when the tunnel names none
 * @param mode      a native sidecar (an init container that keeps running: Kubernetes 1.29+) or a classic container
 * @param tunDevice how the container gets /dev/net/tun
 * @param resources the sidecar's resources when the tunnel names none
 * @param allowedImages what a pod's {@code corridor.dev/image} annotation may ask for
 */
public record InjectionSettings(String image, String imagePullPolicy, Mode mode, TunDevice tunDevice, ResourceRequirements resources,
                                AllowedImages allowedImages) {

    public enum Mode {
        /** Application containers start only once the tunnel is up, and Jobs complete. */
        NATIVE,
        /** For clusters older than 1.29; the application may start before the tunnel. */
        CLASSIC
    }

    public enum TunDevice {
        /** Mount the node's /dev/net/tun (a hostPath volume of type CharDevice); only NET_ADMIN is added. */
        HOST_PATH,
        /** The sidecar creates the device node itself, which also needs the MKNOD capability. */
        CREATE
    }
}
