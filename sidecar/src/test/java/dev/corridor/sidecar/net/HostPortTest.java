package dev.corridor.sidecar.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HostPortTest {
    @Test
    void parsesNamesAndAddressesWithTheirPorts() {
        assertThat(HostPort.parse("DB.corp.test:5432")).isEqualTo(new HostPort("db.corp.test", 5432));
        assertThat(HostPort.parse("10.20.1.10:443")).isEqualTo(new HostPort("10.20.1.10", 443));
        assertThat(HostPort.parse("[fd00:20::10]:443").host()).isEqualTo("fd00:20::10");
        assertThat(HostPort.parse("[fd00:20::10]:443")).hasToString("[fd00:20::10]:443");
        assertThat(HostPort.parse("db.corp.test:5432").isLiteral()).isFalse();
        assertThat(HostPort.parse("10.20.1.10:443").isLiteral()).isTrue();
    }

    @Test
    void namesWhatIsWrong() {
        assertThatThrownBy(() -> HostPort.parse("db.corp.test")).hasMessageContaining("must be HOST:PORT");
        assertThatThrownBy(() -> HostPort.parse("fd00::10:443")).hasMessageContaining("IPv6 address in brackets");
        assertThatThrownBy(() -> HostPort.parse("db.corp.test:http")).hasMessageContaining("no valid port");
        assertThatThrownBy(() -> HostPort.parse("db.corp.test:0")).hasMessageContaining("port 0 is out of range");
        assertThatThrownBy(() -> HostPort.parse("db corp:80"))
                .hasMessageContaining("neither an IP address nor a host name");
        assertThatThrownBy(() -> HostPort.parse("999.1.1.1:80")).hasMessageContaining("not an IP address");
    }
}
