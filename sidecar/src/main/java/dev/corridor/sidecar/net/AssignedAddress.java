package dev.corridor.sidecar.net;

import java.net.Inet4Address;
import java.net.InetAddress;

/** An address given to an interface, with the prefix length of the network it belongs to. */
public record AssignedAddress(InetAddress address, int prefixLength) {

    public AssignedAddress {
        int bits = address.getAddress().length * 8;
        if (prefixLength < 0 || prefixLength > bits) {
            throw new IllegalArgumentException(
                    "prefix length " + prefixLength + " is out of range for " + address.getHostAddress());
        }
    }

    public boolean isIpv4() {
        return address instanceof Inet4Address;
    }

    /** The network this address belongs to. */
    public IpNetwork network() {
        return new IpNetwork(address, prefixLength);
    }

    @Override
    public String toString() {
        return address.getHostAddress() + "/" + prefixLength;
    }
}
