package dev.corridor.sidecar.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corridor.sidecar.net.Ip;
import dev.corridor.sidecar.net.IpNetwork;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class InboundFilterTest {
    private static final int PORT = 9478;
    private final InboundFilter filter = new InboundFilter(
            List.of(IpNetwork.parse("10.20.0.0/16"), IpNetwork.parse("fd00:20::/48")),
            List.of(IpNetwork.parse("10.20.3.0/24")),
            Set.of(PORT));

    @Test
    void packetsFromTheTunnelsNetworksPass() {
        assertThat(filter.sourceAllowed(ipv4("10.20.1.10", 6, 443), 0, 40)).isTrue();
        assertThat(filter.sourceAllowed(ipv6("fd00:20::10", 6, 443, List.of()), 0, 60))
                .isTrue();
    }

    @Test
    void spoofedSourcesAreCaught() {
        assertThat(filter.sourceAllowed(ipv4("10.96.0.10", 17, 53), 0, 40))
                .as("a cluster address")
                .isFalse();
        assertThat(filter.sourceAllowed(ipv4("10.20.3.10", 6, 443), 0, 40))
                .as("an excluded network")
                .isFalse();
        assertThat(filter.sourceAllowed(ipv4("8.8.8.8", 6, 443), 0, 40)).isFalse();
        assertThat(filter.sourceAllowed(ipv6("fd00:21::10", 6, 443, List.of()), 0, 60))
                .isFalse();
        assertThat(filter.sourceAllowed(ipv4("10.20.1.10", 6, 443), 0, 12))
                .as("too short for a source")
                .isFalse();
    }

    @Test
    void theSidecarsPortIsOutOfReach() {
        assertThat(filter.toSidecar(ipv4("10.20.1.10", 6, PORT), 0, 40)).isTrue();
        assertThat(filter.toSidecar(ipv4("10.20.1.10", 6, 8080), 0, 40)).isFalse();
        assertThat(filter.toSidecar(ipv4("10.20.1.10", 17, PORT), 0, 40))
                .as("UDP (the DNS forwarder's)")
                .isTrue();
        assertThat(filter.toSidecar(ipv4("10.20.1.10", 1, PORT), 0, 40))
                .as("ICMP has no port")
                .isFalse();
        assertThat(filter.toSidecar(ipv6("fd00:20::10", 6, PORT, List.of()), 0, 60))
                .isTrue();
        assertThat(filter.toSidecar(ipv6("fd00:20::10", 6, PORT, List.of(0, 60)), 0, 76))
                .as("behind extension headers")
                .isTrue();
        assertThat(filter.toSidecar(ipv6("fd00:20::10", 6, 22, List.of(0, 60)), 0, 76))
                .isFalse();
        byte[] firstFragment = ipv6("fd00:20::10", 17, PORT, List.of(44));
        firstFragment[40 + 3] = 1; // offset 0, more fragments
        assertThat(filter.toSidecar(firstFragment, 0, 68))
                .as("a first fragment has the ports")
                .isTrue();
        byte[] laterFragment = ipv6("fd00:20::10", 17, PORT, List.of(44));
        laterFragment[40 + 2] = (byte) ((185 << 3) >> 8); // offset 185 x 8 bytes: its data happens to read as the port
        laterFragment[40 + 3] = (byte) (185 << 3);
        assertThat(filter.toSidecar(laterFragment, 0, 68))
                .as("a later fragment has no ports")
                .isFalse();
        assertThat(filter.toSidecar(ipv6("fd00:20::10", 6, 22, List.of(0, 0, 0, 0, 0, 0, 0, 0, 0)), 0, 112))
                .as("a chain too long to follow is taken as one for the port")
                .isTrue();
        assertThat(new InboundFilter(List.of(), List.of(), Set.of()).toSidecar(ipv4("10.20.1.10", 6, PORT), 0, 40))
                .as("a sidecar on loopback only needs no guard")
                .isFalse();
    }

    /** An IPv4 header (no options) and the first four bytes of the transport header (ports). */
    private static byte[] ipv4(String source, int protocol, int destinationPort) {
        byte[] packet = new byte[40];
        packet[0] = 0x45;
        packet[9] = (byte) protocol;
        System.arraycopy(Ip.parseAddress(source).getAddress(), 0, packet, 12, 4);
        packet[22] = (byte) (destinationPort >> 8);
        packet[23] = (byte) destinationPort;
        return packet;
    }

    /** An IPv6 header, the given extension headers (8 bytes each), and the transport's ports. */
    private static byte[] ipv6(String source, int protocol, int destinationPort, List<Integer> extensions) {
        byte[] packet = new byte[40 + 8 * extensions.size() + 20];
        packet[0] = 0x60;
        packet[6] = (byte) (extensions.isEmpty() ? protocol : extensions.getFirst());
        System.arraycopy(Ip.parseAddress(source).getAddress(), 0, packet, 8, 16);
        int at = 40;
        for (int i = 0; i < extensions.size(); i++) {
            packet[at] = (byte) (i + 1 < extensions.size() ? extensions.get(i + 1) : protocol);
            packet[at + 1] = 0; // length in 8-byte units, less one
            at += 8;
        }
        packet[at + 2] = (byte) (destinationPort >> 8);
        packet[at + 3] = (byte) destinationPort;
        return packet;
    }
}
