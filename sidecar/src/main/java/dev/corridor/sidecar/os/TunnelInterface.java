package dev.corridor.sidecar.os;

import dev.corridor.sidecar.net.AssignedAddress;
import java.util.Optional;

/** The tun device a session needs: its name, the addresses the gateway assigned, and the tunnel MTU. */
public record TunnelInterface(String name, Optional<AssignedAddress> ipv4, Optional<AssignedAddress> ipv6, int mtu) {}
