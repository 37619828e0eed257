package dev.corridor.sidecar.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class GatewayUrlTest {

    @Test
    void acceptsWhatOpenconnectAccepts() {
        assertThat(GatewayUrl.parse("https://vpn.corp.test/")).isEqualTo(new GatewayUrl("vpn.corp.test", 443, "/"));
        assertThat(GatewayUrl.parse("vpn.corp.test")).isEqualTo(new GatewayUrl("vpn.corp.test", 443, "/"));
        assertThat(GatewayUrl.parse("https://vpn.corp.test:8443/engineering"))
                .isEqualTo(new GatewayUrl("vpn.corp.test", 8443, "/engineering"));
        assertThat(GatewayUrl.parse("https://[fd00::1]:4443/").authority()).isEqualTo("[fd00::1]:4443");
    }

    @Test
    void sendsSniOnlyForNames() {
        assertThat(GatewayUrl.parse("vpn.corp.test").hasHostName()).isTrue();
        assertThat(GatewayUrl.parse("198.18.0.2").hasHostName()).isFalse();
        assertThat(GatewayUrl.parse("https://[fd00::1]/").hasHostName()).isFalse();
    }

    @Test
    void refusesWhatIsNotAGateway() {
        assertThatThrownBy(() -> GatewayUrl.parse("http://vpn.corp.test/"))
                .hasMessageContaining("scheme must be https");
        assertThatThrownBy(() -> GatewayUrl.parse("https://vpn.corp.test/?a=b"))
                .hasMessageContaining("no user, query or fragment");
        assertThatThrownBy(() -> GatewayUrl.parse("https://vpn.corp.test:99999/"))
                .hasMessageContaining("port 99999 is out of range");
    }
}
