package dev.corridor.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corridor.operator.crd.FormEntry;
import dev.corridor.operator.crd.OneTimePassword;
import dev.corridor.operator.crd.SecretKeyReference;
import dev.corridor.operator.crd.TlsSecretReference;
import dev.corridor.operator.crd.VpnTunnel;
import dev.corridor.operator.crd.VpnTunnelSpec;
import dev.corridor.operator.testing.Fixtures;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.util.List;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;

/** What spec.authentication names reaches the sidecar: Secret volumes at fixed paths, and the options that read them. */
class AuthenticationInjectionTest {
    private static final InjectionSettings NATIVE = new InjectionSettings(
            "sidecar:1",
            "IfNotPresent",
            InjectionSettings.Mode.NATIVE,
            InjectionSettings.TunDevice.HOST_PATH,
            new ResourceRequirementsBuilder()
                    .addToLimits("memory", new Quantity("192Mi"))
                    .build(),
            AllowedImages.NONE);

    @Test
    void eachNamedSecretIsMountedReadOnlyForRootWhereTheConfigurationReadsIt() {
        VpnTunnel tunnel = tunnel(new VpnTunnelSpec.Authentication(
                new VpnTunnelSpec.SecretReference("login", null, null),
                null,
                new OneTimePassword(null, new SecretKeyReference("otp", "seed.b32")),
                new TlsSecretReference("machine-cert"),
                new TlsSecretReference("user-cert"),
                new SecretKeyReference("sso", "webvpn"),
                List.of(
                        new FormEntry("main", "group_list", "Engineering"),
                        new FormEntry("challenge", "answer", "a=b:c"))));

        Pod pod = PodInjector.inject(Fixtures.annotatedPod("web", "corp"), tunnel, NATIVE, Fixtures.CLUSTER_DNS)
                .orElseThrow();
        String configuration = SidecarConfiguration.render(tunnel.getSpec(), Fixtures.CLUSTER_DNS);

        assertSecret(pod, "corridor-token", "otp", Tuple.tuple("seed.b32", "seed"));
        assertSecret(
                pod,
                "corridor-client-certificate",
                "machine-cert",
                Tuple.tuple("tls.crt", "tls.crt"),
                Tuple.tuple("tls.key", "tls.key"));
        assertSecret(
                pod,
                "corridor-mca-certificate",
                "user-cert",
                Tuple.tuple("tls.crt", "tls.crt"),
                Tuple.tuple("tls.key", "tls.key"));
        assertSecret(pod, "corridor-cookie", "sso", Tuple.tuple("webvpn", "cookie"));
        Container sidecar = pod.getSpec().getInitContainers().getFirst();
        assertThat(sidecar.getVolumeMounts())
                .filteredOn(mount -> !mount.getName().matches("corridor-(config|credentials|status-token|tun|tmp)"))
                .extracting(VolumeMount::getName, VolumeMount::getMountPath, VolumeMount::getReadOnly)
                .containsExactly(
                        Tuple.tuple("corridor-token", "/etc/corridor/token", true),
                        Tuple.tuple("corridor-client-certificate", "/etc/corridor/client-certificate", true),
                        Tuple.tuple("corridor-mca-certificate", "/etc/corridor/mca-certificate", true),
                        Tuple.tuple("corridor-cookie", "/etc/corridor/cookie", true));
        assertThat(configuration)
                .contains(
                        "tokenMode: \"totp\"",
                        "tokenSecretFile: \"/etc/corridor/token/seed\"",
                        "certificate: \"/etc/corridor/client-certificate/tls.crt\"",
                        "sslkey: \"/etc/corridor/client-certificate/tls.key\"",
                        "mcaCertificate: \"/etc/corridor/mca-certificate/tls.crt\"",
                        "mcaKey: \"/etc/corridor/mca-certificate/tls.key\"",
                        "cookieFile: \"/etc/corridor/cookie/cookie\"",
                        "formEntry:\n- \"main:group_list=Engineering\"\n- \"challenge:answer=a=b:c\"");
        assertThat(PodInjector.verify(pod, tunnel, NATIVE)).isInstanceOf(PodInjector.Verdict.Injected.class);
    }

    @Test
    void aCertificateOnlyLoginMountsNoCredentialsAndNamesNoPasswordFile() {
        VpnTunnel tunnel = tunnel(new VpnTunnelSpec.Authentication(
                null, null, null, new TlsSecretReference("machine-cert"), null, null, null));

        Pod pod = PodInjector.inject(Fixtures.annotatedPod("web", "corp"), tunnel, NATIVE, Fixtures.CLUSTER_DNS)
                .orElseThrow();

        assertThat(pod.getSpec().getVolumes())
                .extracting(Volume::getName)
                .doesNotContain("corridor-credentials")
                .contains("corridor-client-certificate");
        assertThat(SidecarConfiguration.render(tunnel.getSpec(), Fixtures.CLUSTER_DNS))
                .doesNotContain("userFile", "passwordFile", "tokenMode", "cookieFile");
    }

    private static void assertSecret(Pod pod, String volume, String secret, Tuple... items) {
        Volume found = pod.getSpec().getVolumes().stream()
                .filter(v -> v.getName().equals(volume))
                .findFirst()
                .orElseThrow();
        assertThat(found.getSecret().getSecretName()).isEqualTo(secret);
        assertThat(found.getSecret().getDefaultMode()).isEqualTo(0400);
        assertThat(found.getSecret().getItems())
                .extracting(KeyToPath::getKey, KeyToPath::getPath)
                .containsExactly(items);
    }

    private static VpnTunnel tunnel(VpnTunnelSpec.Authentication authentication) {
        VpnTunnelSpec spec = Fixtures.tunnel("corp", "login").getSpec();
        return Fixtures.tunnel(
                "corp",
                new VpnTunnelSpec(spec.gateway(), spec.trust(), authentication, spec.routes(), null, null, null, null));
    }
}
