package dev.corridor.operator.model;

import io.fabric8.kubernetes.api.model.ResourceRequirements;

/**
 * Operator-wide injection choices, from the chart's values. How the sidecar gets /dev/net/tun is one of them, not a
 * tunnel's: it depends on the nodes' container runtime, and a privileged sidecar is the cluster administrator's
 * choice, not that of whoever may create a VpnTunnel in a namespace.
 *
 * @param image     the sidecar image when the tunnel names none
 * @param mode      a native sidecar (an init container that keeps running: Kubernetes 1.29+) or a classic container
 * @param tunDevice how the container gets /dev/net/tun
 * @param resources the sidecar's resources when the tunnel names none
 * @param allowedImages what a pod's {@code corridor.dev/image} annotation may ask for
 * @param tunDeviceResource the extended resource a device plugin offers /dev/net/tun as ({@link TunDevice#DEVICE_PLUGIN})
 */
public record InjectionSettings(
        String image,
        String imagePullPolicy,
        Mode mode,
        TunDevice tunDevice,
        ResourceRequirements resources,
        AllowedImages allowedImages,
        String tunDeviceResource) {
    /** The resource name squat/generic-device-plugin's documented tun configuration uses. */
    public static final String DEFAULT_TUN_DEVICE_RESOURCE = "squat.ai/tun";

    public InjectionSettings(
            String image,
            String imagePullPolicy,
            Mode mode,
            TunDevice tunDevice,
            ResourceRequirements resources,
            AllowedImages allowedImages) {
        this(image, imagePullPolicy, mode, tunDevice, resources, allowedImages, DEFAULT_TUN_DEVICE_RESOURCE);
    }

    public enum Mode {
        /** Application containers start only once the tunnel is up, and Jobs complete. */
        NATIVE,
        /** For clusters older than 1.29; the application may start before the tunnel. */
        CLASSIC
    }

    /**
     * runc 1.2.0-1.2.3 and crun from May 2022 to January 2025 leave /dev/net/tun (c 10:200) out of the container's
     * device cgroup: there opening it fails with EPERM in the first two modes, and only the last two work.
     */
    public enum TunDevice {
        /** Mount the node's /dev/net/tun (a hostPath volume of type CharDevice); only NET_ADMIN is added. */
        HOST_PATH,
        /** The sidecar creates the device node itself, which also needs the MKNOD capability. */
        CREATE,
        /**
         * Request one unit of an extended resource that a device plugin (squat/generic-device-plugin or alike) backs
         * with the node's /dev/net/tun: the plugin mounts it and allows it in the device cgroup. No hostPath volume.
         */
        DEVICE_PLUGIN,
        /** A privileged sidecar, which sees every host device: opt-in, where nothing else is possible. */
        PRIVILEGED
    }
}
