package dev.corridor.sidecar.net;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * An IPv4 or IPv6 network in CIDR form. The address is always the network address (host bits zero),
 * so two equal networks compare equal however they were written.
 */
public record IpNetwork(InetAddress address, int prefixLength) {

    public IpNetwork {
        int bits = address.getAddress().length * 8;
        if (prefixLength < 0 || prefixLength > bits) {
            throw new IllegalArgumentException(
                    "prefix length " + prefixLength + " is out of range for " + address.getHostAddress());
        }
        address = masked(address, prefixLength);
    }

    /** The IPv4 default route 0.0.0.0/0. */
    public static final IpNetwork IPV4_DEFAULT = new IpNetwork(Ip.parseAddress("0.0.0.0"), 0);
    /** The IPv6 default route ::/0. */
    public static final IpNetwork IPV6_DEFAULT = new IpNetwork(Ip.parseAddress("::"), 0);

    /** The network of this one address alone: a /32 or a /128. */
    public static IpNetwork host(InetAddress address) {
        return new IpNetwork(address, address.getAddress().length * 8);
    }

    /**
     * Parses {@code 10.0.0.0/8}, {@code 10.0.0.0/255.0.0.0} (the dotted mask ocserv sends), {@code fd00::/64},
     * or a bare address (a host network).
     *
     * @throws IllegalArgumentException naming the text and what is wrong with it
     */
    public static IpNetwork parse(String text) {
        String trimmed = text.strip();
        int slash = trimmed.indexOf('/');
        InetAddress address = Ip.parseAddress(slash < 0 ? trimmed : trimmed.substring(0, slash));
        int bits = address.getAddress().length * 8;
        if (slash < 0) {
            return host(address);
        }
        String suffix = trimmed.substring(slash + 1);
        int prefix;
        if (suffix.indexOf('.') >= 0 && address instanceof Inet4Address) {
            prefix = prefixOfMask(Ip.parseAddress(suffix), text);
        } else {
            try {
                prefix = Integer.parseInt(suffix);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "'" + text + "' is not a network: bad prefix length '" + suffix + "'");
            }
        }
        if (prefix < 0 || prefix > bits) {
            throw new IllegalArgumentException("'" + text + "' is not a network: prefix length must be 0.." + bits);
        }
        return new IpNetwork(address, prefix);
    }

    /** The prefix length of a dotted netmask such as 255.255.255.0; the mask must be contiguous. */
    public static int prefixOfMask(InetAddress mask, String context) {
        byte[] bytes = mask.getAddress();
        int prefix = 0;
        boolean ended = false;
        for (byte b : bytes) {
            for (int bit = 7; bit >= 0; bit--) {
                boolean set = (b >> bit & 1) == 1;
                if (set && ended) {
                    throw new IllegalArgumentException(
                            "'" + context + "' has a non-contiguous netmask " + mask.getHostAddress());
                }
                if (set) {
                    prefix++;
                } else {
                    ended = true;
                }
            }
        }
        return prefix;
    }

    public boolean isIpv4() {
        return address instanceof Inet4Address;
    }

    public boolean isDefault() {
        return prefixLength == 0;
    }

    public boolean contains(InetAddress candidate) {
        return candidate.getAddress().length == address.getAddress().length
                && masked(candidate, prefixLength).equals(address);
    }

    /** True when the two networks share at least one address. */
    public boolean overlaps(IpNetwork other) {
        if (isIpv4() != other.isIpv4()) {
            return false;
        }
        int shorter = Math.min(prefixLength, other.prefixLength);
        return masked(address, shorter).equals(masked(other.address, shorter));
    }

    @Override
    public String toString() {
        return address.getHostAddress() + "/" + prefixLength;
    }

    private static InetAddress masked(InetAddress address, int prefixLength) {
        byte[] bytes = address.getAddress();
        byte[] out = Arrays.copyOf(bytes, bytes.length);
        for (int i = 0; i < out.length; i++) {
            int keep = Math.clamp(prefixLength - i * 8L, 0, 8);
            out[i] &= (byte) (0xff00 >> keep);
        }
        try {
            return InetAddress.getByAddress(out);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // cannot happen: the length is 4 or 16
        }
    }
}
