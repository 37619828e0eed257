package dev.corridor.sidecar.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class AddressSetTest {
    private final AddressSet set = AddressSet.of(
            List.of(
                    net("10.0.0.0/8"),
                    net("10.99.0.0/24"),
                    net("192.168.7.0/24"),
                    net("fd00:20::/48"),
                    net("2001:db8::/32")),
            List.of(net("10.42.0.0/16"), net("10.96.0.10/32"), net("2001:db8:1::/48")));

    @Test
    void includedAddressesAreInAndExcludedOnesOut() {
        assertThat(contains("10.0.0.0")).isTrue();
        assertThat(contains("10.255.255.255")).isTrue();
        assertThat(contains("10.42.0.1")).isFalse();
        assertThat(contains("10.41.255.255")).isTrue();
        assertThat(contains("10.43.0.0")).isTrue();
        assertThat(contains("10.96.0.10")).isFalse();
        assertThat(contains("10.96.0.9")).isTrue();
        assertThat(contains("10.96.0.11")).isTrue();
        assertThat(contains("11.0.0.0")).isFalse();
        assertThat(contains("9.255.255.255")).isFalse();
        assertThat(contains("192.168.7.200")).isTrue();
        assertThat(contains("192.168.8.1")).isFalse();
        assertThat(contains("255.255.255.255")).isFalse();
    }

    @Test
    void ipv6AddressesCompareUnsigned() {
        assertThat(contains("fd00:20::1")).isTrue();
        assertThat(contains("fd00:20:0:ffff:ffff:ffff:ffff:ffff")).isTrue();
        assertThat(contains("fd00:20:1::")).isFalse();
        assertThat(contains("fd00:21::")).isFalse();
        assertThat(contains("2001:db8:2::1")).isTrue();
        assertThat(contains("2001:db8:1::1")).isFalse();
        assertThat(contains("::1")).isFalse();
        assertThat(contains("ffff::1")).isFalse();
    }

    @Test
    void theWholeSpaceAndNothing() {
        AddressSet all = AddressSet.of(List.of(net("0.0.0.0/1"), net("128.0.0.0/1"), net("::/0")), List.of());
        assertThat(all.containsIpv4(Ip.parseAddress("255.255.255.255").getAddress(), 0))
                .isTrue();
        assertThat(all.containsIpv4(Ip.parseAddress("0.0.0.0").getAddress(), 0)).isTrue();
        assertThat(all.containsIpv6(
                        Ip.parseAddress("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")
                                .getAddress(),
                        0))
                .isTrue();
        AddressSet none = AddressSet.of(List.of(), List.of());
        assertThat(none.containsIpv4(new byte[4], 0)).isFalse();
        assertThat(none.containsIpv6(new byte[16], 0)).isFalse();
    }

    private boolean contains(String address) {
        byte[] bytes = Ip.parseAddress(address).getAddress();
        byte[] padded = new byte[bytes.length + 3];
        System.arraycopy(bytes, 0, padded, 3, bytes.length);
        return bytes.length == 4 ? set.containsIpv4(padded, 3) : set.containsIpv6(padded, 3);
    }

    private static IpNetwork net(String text) {
        return IpNetwork.parse(text);
    }
}
