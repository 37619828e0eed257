package dev.corridor.sidecar.protocol.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.corridor.sidecar.Fixtures;
import dev.corridor.sidecar.net.AssignedAddress;
import dev.corridor.sidecar.net.Ip;
import dev.corridor.sidecar.net.IpNetwork;
import dev.corridor.sidecar.protocol.ProtocolException;
import dev.corridor.sidecar.protocol.http.HttpHeaders;
import dev.corridor.sidecar.protocol.http.HttpResponseHead;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SessionConfigParserTest {

    @Test
    void readsTheWholeReplyOfARealOcserv() throws Exception {
        byte[] head = Fixtures.httpHead("connect-reply-psk.txt");
        HttpResponseHead reply = HttpResponseHead.parse(head, 0, head.length);
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.reason()).isEqualTo("CONNECTED");

        SessionConfig config = SessionConfigParser.parse(reply.headers());

        assertThat(config.ipv4()).contains(new AssignedAddress(Ip.parseAddress("10.99.0.50"), 24));
        assertThat(config.ipv6()).isEmpty();
        assertThat(config.dnsServers()).containsExactly(Ip.parseAddress("10.20.1.53"));
        assertThat(config.searchDomains()).containsExactly("corp.test");
        assertThat(config.tunnelAllDns()).isFalse();
        assertThat(config.splitIncludes()).containsExactly(IpNetwork.parse("10.20.0.0/16"));
        assertThat(config.splitExcludes()).containsExactly(IpNetwork.parse("10.20.3.0/24"));
        assertThat(config.mtu()).isEqualTo(1434);
        assertThat(config.baseMtu()).hasValue(1500);
        assertThat(config.dpd()).isEqualTo(Duration.ofSeconds(60));
        assertThat(config.keepalive()).isEqualTo(Duration.ofHours(9));
        assertThat(config.idleTimeout()).isEmpty();
        assertThat(config.sessionTimeout()).isEmpty();
        assertThat(config.rekeyInterval()).contains(Duration.ofSeconds(172796));
        assertThat(config.rekeyMethod()).isEqualTo("ssl");
        assertThat(config.serverName()).isEqualTo("ocserv 1.1.6");
        SessionConfig.DtlsParameters dtls = config.dtls().orElseThrow();
        assertThat(dtls.port()).isEqualTo(443);
        assertThat(dtls.cipherSuite()).isEqualTo("PSK-NEGOTIATE");
        assertThat(dtls.appId()).contains("fcdd981b3be81fe697e4088ea5a7b3517d65741f83f3be6295d81192fab995dc");
        assertThat(dtls.sessionId()).isEmpty();
        assertThat(dtls.mtu()).isEmpty();
        assertThat(dtls.dpd()).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void readsIpv6AddressesRoutesAndTimeouts() throws Exception {
        SessionConfig config = SessionConfigParser.parse(headers(
                "X-CSTP-Address", "10.99.0.7",
                "X-CSTP-Netmask", "255.255.0.0",
                "X-CSTP-Address-IP6", "fd99::7/64",
                "X-CSTP-Split-Include", "10.1.0.0/255.255.0.0",
                "X-CSTP-Split-Include", "192.168.5.0/24",
                "X-CSTP-Split-Include-IP6", "fd20::/48",
                "X-CSTP-Split-Exclude-IP6", "fd20:0:0:9::/64",
                "X-CSTP-DNS-IP6", "fd20::53",
                "X-CSTP-Default-Domain", "corp.test lab.corp.test",
                "X-CSTP-Split-DNS", "corp.test",
                "X-CSTP-MTU", "1400",
                "X-CSTP-Idle-Timeout", "1200",
                "X-CSTP-Session-Timeout", "86400",
                "X-CSTP-Session-Timeout-Remaining", "3600"));

        assertThat(config.ipv4()).contains(new AssignedAddress(Ip.parseAddress("10.99.0.7"), 16));
        assertThat(config.ipv6()).contains(new AssignedAddress(Ip.parseAddress("fd99::7"), 64));
        assertThat(config.splitIncludes())
                .containsExactly(
                        IpNetwork.parse("10.1.0.0/16"),
                        IpNetwork.parse("192.168.5.0/24"),
                        IpNetwork.parse("fd20::/48"));
        assertThat(config.splitExcludes()).containsExactly(IpNetwork.parse("fd20:0:0:9::/64"));
        assertThat(config.dnsServers()).containsExactly(Ip.parseAddress("fd20::53"));
        assertThat(config.searchDomains()).containsExactly("corp.test", "lab.corp.test");
        assertThat(config.splitDnsDomains()).containsExactly("corp.test");
        assertThat(config.idleTimeout()).contains(Duration.ofMinutes(20));
        assertThat(config.sessionTimeout()).contains(Duration.ofHours(1));
        assertThat(config.dpd()).isZero();
        assertThat(config.dtls()).isEmpty();
    }

    @Test
    void readsLegacyDtlsParameters() throws Exception {
        SessionConfig config = SessionConfigParser.parse(headers(
                "X-CSTP-Address",
                "10.99.0.7",
                "X-CSTP-MTU",
                "1406",
                "X-DTLS-Port",
                "4443",
                "X-DTLS-Session-ID",
                "AB".repeat(32),
                "X-DTLS12-CipherSuite",
                "AES256-GCM-SHA384",
                "X-DTLS-MTU",
                "1418"));
        SessionConfig.DtlsParameters dtls = config.dtls().orElseThrow();
        assertThat(dtls.port()).isEqualTo(4443);
        assertThat(dtls.sessionId()).contains("AB".repeat(32));
        assertThat(dtls.cipherSuite()).isEqualTo("AES256-GCM-SHA384");
        assertThat(dtls.mtu()).hasValue(1418);
    }

    @Test
    void namesTheHeaderThatIsWrong() {
        assertThatThrownBy(() -> SessionConfigParser.parse(headers("X-CSTP-MTU", "1400")))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("no tunnel address");
        assertThatThrownBy(() -> SessionConfigParser.parse(headers("X-CSTP-Address", "10.0.0.1")))
                .hasMessageContaining("no X-CSTP-MTU");
        assertThatThrownBy(() ->
                        SessionConfigParser.parse(headers("X-CSTP-Address", "10.0.0.1", "X-CSTP-MTU", "99999999999")))
                .hasMessageContaining("X-CSTP-MTU");
        assertThatThrownBy(() -> SessionConfigParser.parse(headers("X-CSTP-Address", "10.0.0.1", "X-CSTP-MTU", "100")))
                .hasMessageContaining("X-CSTP-MTU: 100, outside 576..65535");
        assertThatThrownBy(
                        () -> SessionConfigParser.parse(headers("X-CSTP-Address", "not-an-ip", "X-CSTP-MTU", "1400")))
                .hasMessageContaining("bad X-CSTP-Address");
        assertThatThrownBy(() -> SessionConfigParser.parse(
                        headers("X-CSTP-Address", "10.0.0.1", "X-CSTP-Netmask", "255.0.255.0", "X-CSTP-MTU", "1400")))
                .hasMessageContaining("non-contiguous netmask");
        assertThatThrownBy(() -> SessionConfigParser.parse(headers(
                        "X-CSTP-Address", "10.0.0.1", "X-CSTP-MTU", "1400", "X-CSTP-Split-Include", "10.0.0.0/99")))
                .hasMessageContaining("bad X-CSTP-Split-Include");
        assertThatThrownBy(() -> SessionConfigParser.parse(
                        headers("X-CSTP-Address", "10.0.0.1", "X-CSTP-MTU", "1400", "X-CSTP-DPD", "-5")))
                .hasMessageContaining("X-CSTP-DPD");
        assertThatThrownBy(() -> SessionConfigParser.parse(headers(
                        "X-CSTP-Address",
                        "10.0.0.1",
                        "X-CSTP-MTU",
                        "1400",
                        "X-DTLS-Port",
                        "443",
                        "X-DTLS-CipherSuite",
                        "PSK-NEGOTIATE",
                        "X-DTLS-App-ID",
                        "zz")))
                .hasMessageContaining("bad X-DTLS-App-ID");
    }

    /** The mask's 48 bits made an IllegalArgumentException (prefix out of range) instead of a ProtocolException. */
    @Test
    void anIpv6NetmaskForAnIpv4AddressIsRefused() {
        assertThatThrownBy(() -> SessionConfigParser.parse(headers(
                        "X-CSTP-Address", "10.99.0.50", "X-CSTP-Netmask", "ffff:ffff:ffff::", "X-CSTP-MTU", "1400")))
                .isInstanceOf(ProtocolException.class)
                .hasMessage(
                        "gateway sent a bad X-CSTP-Netmask: 'ffff:ffff:ffff::' is not an IPv4 netmask (such as 255.255.255.0), "
                                + "but X-CSTP-Address 10.99.0.50 is an IPv4 address");
    }

    static HttpHeaders headers(String... namesAndValues) {
        List<Map.Entry<String, String>> entries = new ArrayList<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            entries.add(Map.entry(namesAndValues[i], namesAndValues[i + 1]));
        }
        return new HttpHeaders(entries);
    }
}
