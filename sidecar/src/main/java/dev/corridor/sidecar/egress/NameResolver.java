package dev.corridor.sidecar.egress;

import java.io.IOException;
import java.net.InetAddress;
import java.util.List;

/** Resolves a destination's name through the tunnel's DNS. Blocking: called off the event loop. */
@FunctionalInterface
public interface NameResolver {
    /** Returns the addresses, empty when the name exists with none; throws when it does not resolve at all.
     */
    List<InetAddress> resolve(String name) throws IOException;
}
