package dev.corridor.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.corridor.operator.model.AllowedImages;
import dev.corridor.operator.model.ClusterDns;
import dev.corridor.operator.model.InjectionSettings;
import dev.corridor.operator.model.WatchedNamespaces;
import dev.corridor.operator.webhook.WebhookSettings;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OperatorSettingsTest {
    private static final Map<String, String> MINIMAL =
            Map.of("CORRIDOR_NAMESPACE", "corridor", "CORRIDOR_SIDECAR_IMAGE", "sidecar:1");

    @Test
    void theDefaultsAreTheChartsDefaults() {
        OperatorSettings settings = OperatorSettings.fromEnvironment(MINIMAL);

        assertThat(settings.namespace()).isEqualTo("corridor");
        assertThat(settings.leaseName()).isEqualTo("corridor-operator");
        assertThat(settings.metricsPort()).isEqualTo(8080);
        assertThat(settings.injection().mode()).isEqualTo(InjectionSettings.Mode.NATIVE);
        assertThat(settings.injection().tunDevice()).isEqualTo(InjectionSettings.TunDevice.HOST_PATH);
        assertThat(settings.injection().tunDeviceResource()).isEqualTo("squat.ai/tun");
        assertThat(settings.injection().imagePullPolicy()).isEqualTo("IfNotPresent");
        assertThat(settings.injection().resources().getLimits().get("memory").toString())
                .isEqualTo("192Mi");
        assertThat(settings.injection().allowedImages()).isEqualTo(AllowedImages.NONE);
        assertThat(settings.watchNamespaces()).isEqualTo(WatchedNamespaces.ALL);
        assertThat(settings.clusterDns().domain()).isEqualTo("cluster.local");
        assertThat(settings.webhook())
                .isEqualTo(new WebhookSettings(
                        8443,
                        WebhookSettings.CertificateSource.GENERATE,
                        "corridor-webhook-tls",
                        "corridor-webhook-ca",
                        "corridor-webhook",
                        "corridor",
                        Path.of("/etc/corridor/webhook-tls")));
    }

    @Test
    void everyChoiceIsRead() {
        Map<String, String> env = new java.util.HashMap<>(MINIMAL);
        env.putAll(Map.of(
                "CORRIDOR_INJECTION_MODE",
                "classic",
                "CORRIDOR_TUN_DEVICE",
                "create",
                "CORRIDOR_WEBHOOK_CERTIFICATES",
                "files",
                "CORRIDOR_WEBHOOK_PORT",
                "9443",
                "CORRIDOR_SIDECAR_RESOURCES",
                "{\"limits\":{\"memory\":\"256Mi\"}}",
                "CORRIDOR_ALLOWED_SIDECAR_IMAGES",
                "registry.example.com/corridor/, sha256:" + "0".repeat(64),
                "CORRIDOR_WATCH_NAMESPACES",
                "team-a,team-b",
                "CORRIDOR_CLUSTER_DOMAIN",
                "corp.k8s.internal"));

        OperatorSettings settings = OperatorSettings.fromEnvironment(env);

        assertThat(settings.injection().mode()).isEqualTo(InjectionSettings.Mode.CLASSIC);
        assertThat(settings.injection().tunDevice()).isEqualTo(InjectionSettings.TunDevice.CREATE);
        assertThat(settings.webhook().certificates()).isEqualTo(WebhookSettings.CertificateSource.FILES);
        assertThat(settings.webhook().port()).isEqualTo(9443);
        assertThat(settings.injection().resources().getLimits().get("memory").toString())
                .isEqualTo("256Mi");
        assertThat(settings.injection().allowedImages().entries())
                .containsExactly("registry.example.com/corridor/", "sha256:" + "0".repeat(64));
        assertThat(settings.watchNamespaces()).isEqualTo(new WatchedNamespaces(Set.of("team-a", "team-b")));
        assertThat(settings.clusterDns().domain()).isEqualTo("corp.k8s.internal");
    }

    @Test
    void theTunDeviceComesFromADevicePluginOrAPrivilegedSidecarWhenTheChartSaysSo() {
        Map<String, String> devicePlugin = with("CORRIDOR_TUN_DEVICE", "devicePlugin");
        devicePlugin.put("CORRIDOR_TUN_DEVICE_RESOURCE", "devices.example.com/tun");

        assertThat(OperatorSettings.fromEnvironment(devicePlugin).injection()).satisfies(injection -> {
            assertThat(injection.tunDevice()).isEqualTo(InjectionSettings.TunDevice.DEVICE_PLUGIN);
            assertThat(injection.tunDeviceResource()).isEqualTo("devices.example.com/tun");
        });
        assertThat(OperatorSettings.fromEnvironment(with("CORRIDOR_TUN_DEVICE", "privileged"))
                        .injection()
                        .tunDevice())
                .isEqualTo(InjectionSettings.TunDevice.PRIVILEGED);
    }

    @Test
    void aBadValueIsNamed() {
        assertThatThrownBy(() -> OperatorSettings.fromEnvironment(Map.of("CORRIDOR_NAMESPACE", "corridor")))
                .hasMessage("CORRIDOR_SIDECAR_IMAGE is not set");
        assertThatThrownBy(() -> OperatorSettings.fromEnvironment(with("CORRIDOR_INJECTION_MODE", "sidecar")))
                .hasMessage("CORRIDOR_INJECTION_MODE=sidecar is not one of native, classic");
        assertThatThrownBy(() -> OperatorSettings.fromEnvironment(with("CORRIDOR_WEBHOOK_PORT", "70000")))
                .hasMessage("CORRIDOR_WEBHOOK_PORT=70000 is not a port number");
        assertThatThrownBy(() -> OperatorSettings.fromEnvironment(with("CORRIDOR_SIDECAR_RESOURCES", "{limits")))
                .hasMessageStartingWith("CORRIDOR_SIDECAR_RESOURCES is not the JSON of a ResourceRequirements");
        assertThatThrownBy(() -> OperatorSettings.fromEnvironment(
                        with("CORRIDOR_ALLOWED_SIDECAR_IMAGES", "registry.example.com/*")))
                .hasMessage(
                        "CORRIDOR_ALLOWED_SIDECAR_IMAGES: 'registry.example.com/*' is neither sha256:HEX nor an image reference or prefix");
        assertThatThrownBy(() -> OperatorSettings.fromEnvironment(with("CORRIDOR_TUN_DEVICE", "mknod")))
                .hasMessage("CORRIDOR_TUN_DEVICE=mknod is not one of hostPath, create, devicePlugin, privileged");
        assertThatThrownBy(() -> OperatorSettings.fromEnvironment(with("CORRIDOR_TUN_DEVICE_RESOURCE", "tun")))
                .hasMessage("CORRIDOR_TUN_DEVICE_RESOURCE=tun is not an extended resource name such as squat.ai/tun");
        assertThatThrownBy(() -> OperatorSettings.fromEnvironment(with("CORRIDOR_WATCH_NAMESPACES", "apps,Team_B")))
                .hasMessage("CORRIDOR_WATCH_NAMESPACES: 'Team_B' is not a namespace name");
        assertThatThrownBy(() -> OperatorSettings.fromEnvironment(with("CORRIDOR_CLUSTER_DOMAIN", ".cluster.local")))
                .hasMessage("CORRIDOR_CLUSTER_DOMAIN=.cluster.local is not a domain name such as cluster.local");
    }

    @Test
    void theClusterDnsIsLookedUpUnlessItsAddressesAreSetAndABadOneIsNamed() {
        assertThat(OperatorSettings.fromEnvironment(MINIMAL).clusterDns())
                .isEqualTo(new ClusterDns("cluster.local", List.of()));
        Map<String, String> env = new java.util.HashMap<>(MINIMAL);
        env.putAll(Map.of(
                "CORRIDOR_CLUSTER_DOMAIN",
                "k8s.example.internal",
                "CORRIDOR_DNS_UPSTREAM",
                "10.100.0.10, fd00:10::a,[fd00::53]:5353"));
        assertThat(OperatorSettings.fromEnvironment(env).clusterDns())
                .isEqualTo(new ClusterDns(
                        "k8s.example.internal", List.of("10.100.0.10", "fd00:10::a", "[fd00::53]:5353")));

        assertThatThrownBy(
                        () -> OperatorSettings.fromEnvironment(with("CORRIDOR_DNS_UPSTREAM", "kube-dns.kube-system")))
                .hasMessage(
                        "CORRIDOR_DNS_UPSTREAM: 'kube-dns.kube-system' is not an IP address with an optional port, such as 10.96.0.10 or 10.96.0.10:53");
        assertThatThrownBy(() -> OperatorSettings.fromEnvironment(with("CORRIDOR_CLUSTER_DOMAIN", "cluster..local")))
                .hasMessage("CORRIDOR_CLUSTER_DOMAIN=cluster..local is not a domain name such as cluster.local");
    }

    private static Map<String, String> with(String name, String value) {
        Map<String, String> env = new java.util.HashMap<>(MINIMAL);
        env.put(name, value);
        return env;
    }
}
