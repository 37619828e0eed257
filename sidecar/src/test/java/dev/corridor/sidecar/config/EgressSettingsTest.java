package dev.corridor.sidecar.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.corridor.sidecar.net.HostPort;
import dev.corridor.sidecar.net.IpNetwork;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The egress listeners' settings: {@code --forward}, {@code --socks-listen}, {@code --http-proxy-listen}, {@code --proxy-allow-source}. */
class EgressSettingsTest {
    @TempDir
    Path dir;

    @Test
    void readsTheListenersFromTheConfigFile() throws Exception {
        Path file = dir.resolve("corridor.yaml");
        Files.writeString(file, """
                server: https://vpn.corp.test/
                forward:
                  - 0.0.0.0:15432=db.corp.test:5432
                  - "[::]:8443=10.20.1.10:443"
                socksListen: 0.0.0.0:1080
                httpProxyListen: 0.0.0.0:3128
                proxyAllowSource: [10.244.0.0/16, fd00:244::/56]
                """);
        EgressConfig egress = ConfigFile.load(file).resolve().egress();
        assertThat(egress.forwards())
                .containsExactly(
                        new EgressConfig.Forward(
                                new InetSocketAddress(InetAddress.ofLiteral("0.0.0.0"), 15432),
                                new HostPort("db.corp.test", 5432)),
                        new EgressConfig.Forward(
                                new InetSocketAddress(InetAddress.ofLiteral("::"), 8443),
                                new HostPort("10.20.1.10", 443)));
        assertThat(egress.socks5()).contains(new InetSocketAddress(InetAddress.ofLiteral("0.0.0.0"), 1080));
        assertThat(egress.httpProxy()).contains(new InetSocketAddress(InetAddress.ofLiteral("0.0.0.0"), 3128));
        assertThat(egress.allowedSources())
                .containsExactly(IpNetwork.parse("10.244.0.0/16"), IpNetwork.parse("fd00:244::/56"));
        assertThat(egress.enabled()).isTrue();
    }

    @Test
    void theCommandLineSetsTheSameSettings() throws Exception {
        ClientConfig config = Settings.empty()
                .with(Setting.SERVER, "https://vpn.corp.test/")
                .with(Setting.FORWARD, List.of("127.0.0.1:5432=db.corp.test:5432"))
                .with(Setting.SOCKS_LISTEN, "127.0.0.1:1080")
                .resolve();
        assertThat(config.egress().listenAddresses())
                .extracting(InetSocketAddress::getPort)
                .containsExactly(5432, 1080);
        assertThat(config.egress().allowedSources()).as("loopback only").isEmpty();
    }

    /** Names resolve through the DNS forwarder: without dnsListen it serves a loopback port of its own. */
    @Test
    void theListenersBringTheDnsForwarderAndItsRoutes() throws Exception {
        ClientConfig config = Settings.empty()
                .with(Setting.SERVER, "https://vpn.corp.test/")
                .with(Setting.HTTP_PROXY_LISTEN, "127.0.0.1:3128")
                .resolve();
        assertThat(config.dns()).hasValueSatisfying(dns -> {
            assertThat(dns.listen().getAddress().isLoopbackAddress()).isTrue();
            assertThat(dns.listen().getPort()).isZero();
        });
        assertThat(config.routes().dnsServers())
                .as("the gateway's DNS servers are routed through the tunnel")
                .isTrue();
        ClientConfig without =
                Settings.empty().with(Setting.SERVER, "https://vpn.corp.test/").resolve();
        assertThat(without.dns()).isEmpty();
        assertThat(without.egress().enabled()).isFalse();
    }

    @Test
    void badValuesNameTheSettingAndWhatWasExpected() {
        assertThatThrownBy(() -> resolve(Setting.FORWARD, List.of("5432:db.corp.test:5432")))
                .hasMessageContaining("forward: '5432:db.corp.test:5432' must be LISTEN_ADDRESS:PORT=HOST:PORT");
        assertThatThrownBy(() -> resolve(Setting.FORWARD, List.of("0.0.0.0:5432=db.corp.test")))
                .hasMessageContaining("forward: the target 'db.corp.test' must be HOST:PORT");
        assertThatThrownBy(() -> resolve(Setting.FORWARD, List.of("db.local:5432=db.corp.test:5432")))
                .hasMessageContaining("forward:")
                .hasMessageContaining("no name is resolved here");
        assertThatThrownBy(() -> resolve(Setting.SOCKS_LISTEN, "0.0.0.0"))
                .hasMessageContaining("socksListen: '0.0.0.0' must be ADDRESS:PORT");
        assertThatThrownBy(() -> resolve(Setting.HTTP_PROXY_LISTEN, "0.0.0.0:99999"))
                .hasMessageContaining("httpProxyListen: port 99999 is out of range");
        assertThatThrownBy(() -> resolve(Setting.PROXY_ALLOW_SOURCE, List.of("10.0.0.0/8")))
                .hasMessageContaining("proxyAllowSource is set without forward, socksListen or httpProxyListen");
        assertThatThrownBy(() -> Settings.empty()
                        .with(Setting.SERVER, "https://vpn.corp.test/")
                        .with(Setting.SOCKS_LISTEN, "0.0.0.0:1080")
                        .with(Setting.PROXY_ALLOW_SOURCE, List.of("10.0.0.0/33"))
                        .resolve())
                .hasMessageContaining("proxyAllowSource: '10.0.0.0/33' is not a network");
        assertThatThrownBy(() -> Settings.empty()
                        .with(Setting.SERVER, "https://vpn.corp.test/")
                        .with(Setting.SOCKS_LISTEN, "0.0.0.0:1080")
                        .with(Setting.FORWARD, List.of("0.0.0.0:1080=db.corp.test:5432"))
                        .resolve())
                .hasMessageContaining("0.0.0.0:1080 is given twice");
    }

    private static ClientConfig resolve(Setting setting, Object value) throws ConfigException {
        return Settings.empty()
                .with(Setting.SERVER, "https://vpn.corp.test/")
                .with(setting, value)
                .resolve();
    }
}
