package dev.corridor.sidecar.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IpNetworkTest {

    @Test
    void parsesCidrDottedMasksAndHosts() {
        assertThat(IpNetwork.parse("10.20.0.0/255.255.0.0")).isEqualTo(IpNetwork.parse("10.20.0.0/16"));
        assertThat(IpNetwork.parse("10.20.7.9/16").toString()).isEqualTo("10.20.0.0/16");
        assertThat(IpNetwork.parse("198.18.0.2").toString()).isEqualTo("198.18.0.2/32");
        assertThat(IpNetwork.parse("fd20:0:0:9::1/64").toString()).isEqualTo("fd20:0:0:9:0:0:0:0/64");
        assertThat(IpNetwork.parse("0.0.0.0/0").isDefault()).isTrue();
    }

    @Test
    void knowsContainmentAndOverlap() {
        IpNetwork corp = IpNetwork.parse("10.20.0.0/16");
        assertThat(corp.contains(Ip.parseAddress("10.20.3.10"))).isTrue();
        assertThat(corp.contains(Ip.parseAddress("10.21.0.1"))).isFalse();
        assertThat(corp.overlaps(IpNetwork.parse("10.0.0.0/8"))).isTrue();
        assertThat(corp.overlaps(IpNetwork.parse("10.20.3.0/24"))).isTrue();
        assertThat(corp.overlaps(IpNetwork.parse("10.21.0.0/16"))).isFalse();
        assertThat(corp.overlaps(IpNetwork.parse("fd00::/8"))).isFalse();
    }

    /** Text that only looks like an address used to go to DNS (InetAddress.getByName) before it was refused. */
    @ParameterizedTest
    @ValueSource(strings = {"999.1.1.1", "...:", "1:2", "fe80::1%eth0"})
    void lookalikesAreNotAddresses(String text) {
        assertThatThrownBy(() -> Ip.parseAddress(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'" + text + "' is not an IP address");
    }

    @Test
    void explainsBadNetworks() {
        assertThatThrownBy(() -> IpNetwork.parse("10.0.0.0/33")).hasMessageContaining("prefix length must be 0..32");
        assertThatThrownBy(() -> IpNetwork.parse("10.0.0.0/255.0.255.0"))
                .hasMessageContaining("non-contiguous netmask");
        assertThatThrownBy(() -> IpNetwork.parse("corp.example/24")).hasMessageContaining("is not an IP address");
        assertThatThrownBy(() -> IpNetwork.parse("300.1.1.1/8")).hasMessageContaining("is not an IP address");
        assertThatThrownBy(() -> IpNetwork.parse("10.0.0.0/x")).hasMessageContaining("bad prefix length");
    }
}
