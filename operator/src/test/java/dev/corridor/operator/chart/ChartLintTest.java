package dev.corridor.operator.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code helm lint}, the notes {@code helm install} prints, and the chart's copy of the CRD. */
class ChartLintTest {
    @TempDir
    Path scratch;

    // helm lint reads the chart's own values.yaml, which names no image repository (they are required): it lints a copy
    // that names them, as a user's values would.
    @Test
    void lintPasses() {
        LintResult result =
                new Helm(RenderedChart.chartWithImages(scratch)).lint().call();
        assertThat(result.isFailed()).as("helm lint: %s", result.getMessages()).isFalse();
    }

    @Test
    void strictLintPassesToo() {
        // --strict turns warnings into failures; what remains may only be informational ("icon is recommended").
        LintResult result =
                new Helm(RenderedChart.chartWithImages(scratch)).lint().strict().call();
        assertThat(result.isFailed())
                .as("helm lint --strict: %s", result.getMessages())
                .isFalse();
        assertThat(result.getMessages())
                .allSatisfy(message -> assertThat(message).doesNotContain("[WARNING]", "[ERROR]"));
    }

    @Test
    void chartCarriesTheGeneratedCrdByteForByte() throws IOException {
        // scripts/update-crds.sh copies the generated CRD to both places; an edit to one copy alone is caught here.
        String name = "vpntunnels.corridor.dev-v1.yml";
        byte[] generated =
                Files.readAllBytes(RenderedChart.REPOSITORY.resolve("crds").resolve(name));
        byte[] inChart = Files.readAllBytes(RenderedChart.CHART.resolve("crds").resolve(name));
        assertThat(inChart).isEqualTo(generated);
        try (var files = Files.list(RenderedChart.CHART.resolve("crds"))) {
            assertThat(files.map(path -> path.getFileName().toString())).containsExactly(name);
        }
    }

    @Test
    void installPrintsTheNextStepsAndThePodSecurityLevelTheSidecarNeeds() {
        String notes = installNotes("");
        assertThat(notes)
                .contains(
                        "kubectl -n corridor-system rollout status deployment/corridor-operator",
                        "corridor.dev/tunnel: corp-vpn",
                        "kubectl -n APPS get vpnt",
                        "pod-security.kubernetes.io/enforce=privileged",
                        "NET_ADMIN and a hostPath volume for /dev/net/tun");
        assertThat(notes)
                .doesNotContain("classic", "matchConditions", "cert-manager", "watchNamespaces", "NetworkPolicies");
    }

    @Test
    void installNotesWarnAboutTheNonDefaultChoices() {
        String notes = installNotes("""
                watchNamespaces: [team-a, team-b]
                networkPolicy: {enabled: true}
                injection: {mode: classic, tunDevice: create}
                webhook: {matchConditions: false, certificates: {source: certManager}}
                """);
        assertThat(notes)
                .contains(
                        "The operator serves the VpnTunnels of team-a, team-b only (watchNamespaces)",
                        "NetworkPolicies are on. The webhook port admits anyone; the metrics ports no Prometheus",
                        "In team-a, team-b, the sidecars' port (9478-9485) admits only the operator and Prometheus",
                        "NetworkPolicies add up",
                        "NET_ADMIN and MKNOD",
                        "Injection mode is classic",
                        "With failurePolicy Fail, none of those pods can be created",
                        "kubectl -n corridor-system get certificate corridor-webhook");
    }

    @Test
    void aClusterOlderThanNativeSidecarsIsRefusedAtInstall() throws IOException {
        Path values = Files.writeString(Files.createTempFile(scratch, "values", ".yaml"), RenderedChart.withImages(""));
        try (FakeApiServer cluster = FakeApiServer.serving(FakeApiServer.KUBERNETES, 28)) {
            assertThatThrownBy(() -> new Helm(RenderedChart.CHART)
                            .install()
                            .withName("corridor")
                            .withNamespace(RenderedChart.NAMESPACE)
                            .withValuesFile(values)
                            .withKubeConfigContents(cluster.kubeconfig())
                            .disableOpenApiValidation()
                            .call())
                    .hasMessageContaining(
                            "chart requires kubeVersion: >=1.29.0-0 which is incompatible with Kubernetes v1.28.0");
        }
        try (FakeApiServer cluster = FakeApiServer.serving(FakeApiServer.KUBERNETES, 29)) {
            new Helm(RenderedChart.CHART)
                    .install()
                    .withName("corridor")
                    .withNamespace(RenderedChart.NAMESPACE)
                    .withValuesFile(values)
                    .withKubeConfigContents(cluster.kubeconfig())
                    .disableOpenApiValidation()
                    .call();
        }
    }

    /** What {@code helm install} prints. */
    private String installNotes(String values) {
        return RenderedChart.install("corridor", values, scratch, FakeApiServer.TEMPLATE)
                .notes();
    }
}
