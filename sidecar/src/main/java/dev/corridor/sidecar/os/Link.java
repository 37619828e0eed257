package dev.corridor.sidecar.os;

/**
 * A network interface as rtnetlink reports it.
 *
 * @param kind the driver kind from IFLA_LINKINFO/IFLA_INFO_KIND ("tun", "veth", ...), "" when the link reports none
 *             (as the loopback and physical devices do)
 * @param up   whether IFF_UP is set (administratively up; says nothing about carrier)
 */
public record Link(int index, String name, int mtu, String kind, boolean up) {}
