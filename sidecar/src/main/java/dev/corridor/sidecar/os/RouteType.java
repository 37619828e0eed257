package dev.corridor.sidecar.os;

/** The kinds of route Corridor installs or reads back (rtm_type RTN_UNICAST, RTN_BLACKHOLE, RTN_UNREACHABLE). */
public enum RouteType {
    /** Packets go out an interface, directly or through a gateway. */
    UNICAST,
    /** Packets are dropped silently. */
    BLACKHOLE,
    /** Packets are dropped and the sender gets "host unreachable". */
    UNREACHABLE
}
