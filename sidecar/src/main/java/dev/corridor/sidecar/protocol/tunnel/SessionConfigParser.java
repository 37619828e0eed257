package dev.corridor.sidecar.protocol.tunnel;

import dev.corridor.sidecar.net.AssignedAddress;
import dev.corridor.sidecar.net.Ip;
import dev.corridor.sidecar.net.IpNetwork;
import dev.corridor.sidecar.protocol.ProtocolException;
import dev.corridor.sidecar.protocol.http.HttpHeaders;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/** Reads a {@code 200 CONNECTED} reply's {@code X-CSTP-*} and {@code X-DTLS-*} headers into a {@link SessionConfig}. */
public final class SessionConfigParser {
    /** Banners are a few lines; anything beyond this is cut when shown. */
    static final int MAX_BANNER = 4096;
    /** An MTU below the IPv4 minimum reassembly size cannot carry the traffic a pod sends. */
    static final int MIN_MTU = 576;

    static final int MAX_MTU = 65535;
    /** Ten years bounds every interval: a larger one is a broken header, not a real setting. */
    static final long MAX_SECONDS = 366L * 24 * 3600 * 10;

    private SessionConfigParser() {}

    public static SessionConfig parse(HttpHeaders headers) throws ProtocolException {
        Optional<AssignedAddress> ipv4 = Optional.empty();
        Optional<AssignedAddress> ipv6 = Optional.empty();
        Optional<String> address = headers.first("X-CSTP-Address");
        if (address.isPresent()) {
            InetAddress parsed = address("X-CSTP-Address", address.get());
            String netmask = headers.first("X-CSTP-Netmask").orElse(null);
            if (parsed instanceof Inet4Address) {
                ipv4 = Optional.of(
                        new AssignedAddress(parsed, netmask == null ? 32 : ipv4Prefix(netmask, address.get())));
            } else {
                // Without X-CSTP-Full-IPv6-Capability the v6 address arrives here, its netmask as "net/len".
                ipv6 = Optional.of(new AssignedAddress(
                        parsed,
                        netmask == null
                                ? 128
                                : network("X-CSTP-Netmask", netmask).prefixLength()));
            }
        }
        Optional<String> ip6 = headers.first("X-CSTP-Address-IP6");
        if (ip6.isPresent()) {
            ipv6 = Optional.of(addressWithPrefix("X-CSTP-Address-IP6", ip6.get()));
        }
        if (ipv4.isEmpty() && ipv6.isEmpty()) {
            throw new ProtocolException("gateway assigned no tunnel address (no X-CSTP-Address in its CONNECT reply)");
        }

        List<IpNetwork> includes = networks(headers, "X-CSTP-Split-Include", "X-CSTP-Split-Include-IP6");
        List<IpNetwork> excludes = networks(headers, "X-CSTP-Split-Exclude", "X-CSTP-Split-Exclude-IP6");

        String mtuText = headers.first("X-CSTP-MTU")
                .orElseThrow(() -> new ProtocolException("gateway sent no X-CSTP-MTU in its CONNECT reply"));
        int mtu = (int) number("X-CSTP-MTU", mtuText, MIN_MTU, MAX_MTU);
        OptionalInt baseMtu = optionalNumber(headers, "X-CSTP-Base-MTU", MIN_MTU, MAX_MTU);

        List<InetAddress> dns = new ArrayList<>();
        for (String value : headers.all("X-CSTP-DNS")) {
            dns.add(address("X-CSTP-DNS", value));
        }
        for (String value : headers.all("X-CSTP-DNS-IP6")) {
            dns.add(address("X-CSTP-DNS-IP6", value));
        }
        List<InetAddress> nbns = new ArrayList<>();
        for (String value : headers.all("X-CSTP-NBNS")) {
            nbns.add(address("X-CSTP-NBNS", value));
        }
        List<String> domains = new ArrayList<>();
        for (String value : headers.all("X-CSTP-Default-Domain")) {
            domains.addAll(Arrays.stream(value.split("[\\s,]+"))
                    .filter(s -> !s.isEmpty())
                    .toList());
        }
        List<String> splitDns = headers.all("X-CSTP-Split-DNS").stream()
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .toList();

        Optional<SessionConfig.DtlsParameters> dtls = Optional.empty();
        Optional<String> dtlsPort = headers.first("X-DTLS-Port");
        if (dtlsPort.isPresent()) {
            String suite = headers.first("X-DTLS12-CipherSuite")
                    .or(() -> headers.first("X-DTLS-CipherSuite"))
                    .orElseThrow(
                            () -> new ProtocolException("gateway offers DTLS (X-DTLS-Port) but names no cipher suite"));
            dtls = Optional.of(new SessionConfig.DtlsParameters(
                    (int) number("X-DTLS-Port", dtlsPort.get(), 1, 65535),
                    hex(headers, "X-DTLS-App-ID"),
                    hex(headers, "X-DTLS-Session-ID"),
                    suite,
                    optionalNumber(headers, "X-DTLS-MTU", MIN_MTU, MAX_MTU),
                    seconds(headers, "X-DTLS-DPD").orElse(Duration.ZERO),
                    seconds(headers, "X-DTLS-Keepalive").orElse(Duration.ZERO),
                    seconds(headers, "X-DTLS-Rekey-Time")));
        }

        Optional<Duration> sessionTimeout = seconds(headers, "X-CSTP-Session-Timeout-Remaining");
        if (sessionTimeout.isEmpty()) {
            sessionTimeout = seconds(headers, "X-CSTP-Session-Timeout");
        }
        return new SessionConfig(
                ipv4,
                ipv6,
                dns,
                nbns,
                domains,
                splitDns,
                headers.first("X-CSTP-Tunnel-All-DNS")
                        .map(v -> v.equalsIgnoreCase("true"))
                        .orElse(false),
                includes,
                excludes,
                mtu,
                baseMtu,
                seconds(headers, "X-CSTP-DPD").orElse(Duration.ZERO),
                seconds(headers, "X-CSTP-Keepalive").orElse(Duration.ZERO),
                seconds(headers, "X-CSTP-Idle-Timeout"),
                sessionTimeout,
                seconds(headers, "X-CSTP-Rekey-Time"),
                headers.first("X-CSTP-Rekey-Method").orElse("none"),
                headers.first("X-CSTP-Server-Name").orElse(""),
                dtls,
                banner(headers));
    }

    /** A banner is shown and logged: control characters out (a terminal escape must not reach a log), and bounded. */
    private static Optional<String> banner(HttpHeaders headers) {
        String text = String.join("\n", headers.all("X-CSTP-Banner"))
                .replaceAll("[\\p{Cntrl}&&[^\n]]", "")
                .strip();
        return text.isEmpty()
                ? Optional.empty()
                : Optional.of(text.length() > MAX_BANNER ? text.substring(0, MAX_BANNER) + "..." : text);
    }

    private static List<IpNetwork> networks(HttpHeaders headers, String v4Name, String v6Name)
            throws ProtocolException {
        List<IpNetwork> networks = new ArrayList<>();
        for (String name : List.of(v4Name, v6Name)) {
            for (String value : headers.all(name)) {
                networks.add(network(name, value));
            }
        }
        return networks;
    }

    private static IpNetwork network(String header, String value) throws ProtocolException {
        try {
            return IpNetwork.parse(value);
        } catch (IllegalArgumentException e) {
            throw new ProtocolException("gateway sent a bad " + header + ": " + e.getMessage());
        }
    }

    private static InetAddress address(String header, String value) throws ProtocolException {
        try {
            return Ip.parseAddress(value);
        } catch (IllegalArgumentException e) {
            throw new ProtocolException("gateway sent a bad " + header + ": " + e.getMessage());
        }
    }

    private static AssignedAddress addressWithPrefix(String header, String value) throws ProtocolException {
        int slash = value.indexOf('/');
        InetAddress parsed = address(header, slash < 0 ? value : value.substring(0, slash));
        if (!(parsed instanceof Inet6Address)) {
            throw new ProtocolException("gateway sent a bad " + header + ": '" + value + "' is not an IPv6 address");
        }
        int prefix = slash < 0 ? 128 : (int) number(header, value.substring(slash + 1), 0, 128);
        return new AssignedAddress(parsed, prefix);
    }

    private static int ipv4Prefix(String netmask, String address) throws ProtocolException {
        InetAddress mask = address("X-CSTP-Netmask", netmask);
        if (!(mask instanceof Inet4Address)) {
            throw new ProtocolException(
                    "gateway sent a bad X-CSTP-Netmask: '" + netmask.strip() + "' is not an IPv4 netmask (such as "
                            + "255.255.255.0), but X-CSTP-Address " + address.strip() + " is an IPv4 address");
        }
        try {
            return IpNetwork.prefixOfMask(mask, netmask);
        } catch (IllegalArgumentException e) {
            throw new ProtocolException("gateway sent a bad X-CSTP-Netmask: " + e.getMessage());
        }
    }

    private static long number(String header, String value, long min, long max) throws ProtocolException {
        try {
            long parsed = Long.parseLong(value.strip());
            if (parsed < min || parsed > max) {
                throw new ProtocolException(
                        "gateway sent " + header + ": " + value.strip() + ", outside " + min + ".." + max);
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new ProtocolException("gateway sent a bad " + header + ": '" + value.strip() + "' is not a number");
        }
    }

    private static OptionalInt optionalNumber(HttpHeaders headers, String name, int min, int max)
            throws ProtocolException {
        Optional<String> value = headers.first(name);
        return value.isEmpty() ? OptionalInt.empty() : OptionalInt.of((int) number(name, value.get(), min, max));
    }

    /** A number of seconds; absent, {@code none} or 0 mean "no such limit". */
    private static Optional<Duration> seconds(HttpHeaders headers, String name) throws ProtocolException {
        Optional<String> value = headers.first(name);
        if (value.isEmpty() || value.get().strip().equalsIgnoreCase("none")) {
            return Optional.empty();
        }
        long parsed = number(name, value.get(), 0, MAX_SECONDS);
        return parsed == 0 ? Optional.empty() : Optional.of(Duration.ofSeconds(parsed));
    }

    private static Optional<String> hex(HttpHeaders headers, String name) throws ProtocolException {
        Optional<String> value = headers.first(name).map(String::strip);
        if (value.isPresent() && !value.get().matches("(?:[0-9A-Fa-f]{2}){1,32}")) {
            throw new ProtocolException("gateway sent a bad " + name + ": expected up to 32 bytes of hex");
        }
        return value;
    }
}
