package dev.corridor.sidecar.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigFileTest {
    @TempDir
    Path dir;

    @Test
    void readsEverySettingByItsLongOptionName() throws Exception {
        Path file = write("""
                server: https://vpn.corp.test/
                userFile: /etc/corridor/credentials/username
                passwordFile: /etc/corridor/credentials/password
                serverCert:
                  - pin-sha256:OVwGLQ7qrBmy48qfA/pTBw1EUEWDrxjWdvwv0ouj3QY=
                cafile: /etc/corridor/ca/ca.crt
                authgroup: eng
                interface: corp0
                dtls: false
                baseMtu: 1400
                httpAddress: 127.0.0.1:9999
                allowDefaultRoute: true
                route: [192.168.50.0/24]
                excludeRoute: [10.20.9.0/24]
                neverRoute: [10.96.0.0/12, 10.244.0.0/16]
                reconnectTimeout: 600
                reconnectMinDelay: 2
                reconnectMaxDelay: 30
                logLevel: debug
                """);
        ClientConfig config = ConfigFile.load(file).resolve();
        assertThat(config.gateway().host()).isEqualTo("vpn.corp.test");
        assertThat(config.userFile()).contains(Path.of("/etc/corridor/credentials/username"));
        assertThat(config.passwordFile()).contains(Path.of("/etc/corridor/credentials/password"));
        assertThat(config.serverCerts()).hasSize(1);
        assertThat(config.caFile()).contains(Path.of("/etc/corridor/ca/ca.crt"));
        assertThat(config.authGroup()).contains("eng");
        assertThat(config.interfaceName()).isEqualTo("corp0");
        assertThat(config.dtls()).isFalse();
        assertThat(config.baseMtu()).hasValue(1400);
        assertThat(config.httpAddress().getPort()).isEqualTo(9999);
        assertThat(config.routes().allowDefaultRoute()).isTrue();
        assertThat(config.routes().include()).extracting(Object::toString).containsExactly("192.168.50.0/24");
        assertThat(config.routes().exclude()).extracting(Object::toString).containsExactly("10.20.9.0/24");
        assertThat(config.routes().never())
                .extracting(Object::toString)
                .containsExactly("10.96.0.0/12", "10.244.0.0/16");
        assertThat(config.reconnect())
                .isEqualTo(new ReconnectPolicy(
                        java.time.Duration.ofSeconds(600),
                        java.time.Duration.ofSeconds(2),
                        java.time.Duration.ofSeconds(30)));
        assertThat(config.logLevel()).isEqualTo(ClientConfig.LogLevel.DEBUG);
    }

    /** The file the operator renders into a tunnel's ConfigMap (its SidecarConfigurationTest checks it is current). */
    @Test
    void readsWhatTheOperatorRenders() throws Exception {
        ClientConfig config = ConfigFile.load(Path.of("../operator/src/test/resources/rendered/corridor.yaml"))
                .resolve();

        assertThat(config.gateway().host()).isEqualTo("vpn.example.test");
        assertThat(config.gateway().path()).isEqualTo("/engineering");
        assertThat(config.userFile()).contains(Path.of("/etc/corridor/credentials/username"));
        assertThat(config.passwordFile()).contains(Path.of("/etc/corridor/credentials/password"));
        assertThat(config.serverCerts()).hasSize(1);
        assertThat(config.caFile()).contains(Path.of("/etc/corridor/ca/ca.crt"));
        assertThat(config.authGroup()).contains("Engineering");
        assertThat(config.interfaceName()).isEqualTo("vpn0");
        assertThat(config.dtls()).isFalse();
        assertThat(config.baseMtu()).hasValue(1400);
        assertThat(config.httpAddress().getPort()).isEqualTo(9478);
        assertThat(config.routes().allowDefaultRoute()).isTrue();
        assertThat(config.routes().include()).extracting(Object::toString).containsExactly("10.30.0.0/16");
        assertThat(config.routes().exclude()).extracting(Object::toString).containsExactly("10.30.99.0/24");
        assertThat(config.routes().never())
                .extracting(Object::toString)
                .containsExactly("10.42.0.0/16", "10.43.0.0/16");
        assertThat(config.reconnect())
                .isEqualTo(new ReconnectPolicy(
                        java.time.Duration.ofSeconds(600),
                        java.time.Duration.ofSeconds(2),
                        java.time.Duration.ofSeconds(30)));
        assertThat(config.logLevel()).isEqualTo(ClientConfig.LogLevel.DEBUG);
    }

    @Test
    void theCommandLineWinsOverTheFile() throws Exception {
        Settings file = ConfigFile.load(write("server: vpn.corp.test\ninterface: corp0\nbaseMtu: 1400\n"));
        Settings cli = Settings.empty()
                .with(Setting.USER, "alice")
                .with(Setting.SERVER_CERT, List.of())
                .with(Setting.INTERFACE, "vpn9");
        ClientConfig config = file.overriddenBy(cli).resolve();
        assertThat(config.interfaceName()).isEqualTo("vpn9");
        assertThat(config.user()).contains("alice");
        assertThat(config.baseMtu()).hasValue(1400);
        assertThat(config.gateway().host()).isEqualTo("vpn.corp.test");
    }

    @Test
    void defaultsAreSafe() throws Exception {
        ClientConfig config = ConfigFile.load(write("server: vpn.corp.test\n")).resolve();
        assertThat(config.interfaceName()).isEqualTo("vpn0");
        assertThat(config.dtls()).isTrue();
        assertThat(config.routes().allowDefaultRoute()).isFalse();
        assertThat(config.reconnect()).isEqualTo(ReconnectPolicy.DEFAULT);
        assertThat(config.httpAddress().getPort()).isEqualTo(9478);
        assertThat(config.logLevel()).isEqualTo(ClientConfig.LogLevel.INFO);
    }

    @Test
    void anUnknownSettingIsNamedWithTheKnownOnes() throws Exception {
        Path file = write("server: vpn.corp.test\npasword: hunter2\n");
        assertThatThrownBy(() -> ConfigFile.load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("(line 2): unknown setting 'pasword'")
                .hasMessageContaining("passwordFile")
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void aWrongTypeIsNamedWithWhatIsExpected() throws Exception {
        assertThatThrownBy(() -> ConfigFile.load(write("server: vpn.corp.test\nbaseMtu: large\n")))
                .hasMessageContaining("setting 'baseMtu' must be a whole number");
        assertThatThrownBy(() -> ConfigFile.load(write("dtls: sometimes\n")))
                .hasMessageContaining("setting 'dtls' must be true or false");
        assertThatThrownBy(() -> ConfigFile.load(write("serverCert: {a: b}\n")))
                .hasMessageContaining("setting 'serverCert' must be a list");
    }

    @Test
    void badValuesAreNamed() throws Exception {
        assertThatThrownBy(() -> ConfigFile.load(write("server: vpn.corp.test\nbaseMtu: 100\n"))
                        .resolve())
                .hasMessage("baseMtu: 100 is out of range; expected 1280..9000");
        assertThatThrownBy(
                        () -> ConfigFile.load(write("server: vpn.corp.test\ninterface: a-very-long-interface-name\n"))
                                .resolve())
                .hasMessageContaining("interface: 'a-very-long-interface-name' is not a usable interface name");
        assertThatThrownBy(() -> ConfigFile.load(write("server: vpn.corp.test\nserverCert: [abc]\n"))
                        .resolve())
                .hasMessageContaining("serverCert: 'abc' is not a pin");
        assertThatThrownBy(() -> ConfigFile.load(write("server: ftp://vpn/\n")).resolve())
                .hasMessageContaining("server: 'ftp://vpn/' is not a gateway URL");
        assertThatThrownBy(() -> ConfigFile.load(write("user: a\n")).resolve())
                .hasMessageContaining("no gateway given");
        assertThatThrownBy(() -> ConfigFile.load(write("server: v\nhttpAddress: nowhere\n"))
                        .resolve())
                .hasMessageContaining("httpAddress: 'nowhere' must be HOST:PORT");
        assertThatThrownBy(() ->
                        ConfigFile.load(write("server: v\nlogLevel: loud\n")).resolve())
                .hasMessageContaining("logLevel: 'loud' is not one of");
        assertThatThrownBy(() -> ConfigFile.load(dir.resolve("missing.yaml"))).hasMessageContaining("does not exist");
        assertThatThrownBy(() -> ConfigFile.load(write("server: v\nneverRoute: [10.96.0.0/99]\n"))
                        .resolve())
                .hasMessageContaining("neverRoute: '10.96.0.0/99' is not a network");
        assertThatThrownBy(() -> ConfigFile.load(write("server: v\nreconnectMinDelay: 10\nreconnectMaxDelay: 5\n"))
                        .resolve())
                .hasMessageContaining("reconnectMaxDelay: 5 is less than reconnectMinDelay (10)");
        assertThatThrownBy(() -> ConfigFile.load(write("server: \"unterminated\n")))
                .hasMessageContaining("is not valid YAML");
    }

    private Path write(String content) throws Exception {
        Path file = Files.createTempFile(dir, "corridor", ".yaml");
        Files.writeString(file, content);
        return file;
    }
}
