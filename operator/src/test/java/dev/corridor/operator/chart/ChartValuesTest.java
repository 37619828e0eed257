package dev.corridor.operator.chart;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * values.schema.json: a wrong value stops {@code helm template} (and so {@code helm install} and
 * {@code helm upgrade}, which validate the same way) with a message that names the value.
 */
class ChartValuesTest {
    @TempDir
    Path scratch;

    @Test
    void imageRepositoriesAreRequired() {
        // The chart names no default: a short name would resolve to docker.io/library/..., which does not exist.
        assertThatThrownBy(() -> RenderedChart.renderExactly("corridor", "", scratch))
                .hasMessageContaining("values don't meet the specifications of the schema")
                .hasMessageContainingAll("operator.image", "sidecar.image", "repository is required");
        assertRefused(
                "operator: {image: {repository: \"\"}}", "operator.image.repository", "greater than or equal to 1");
    }

    @Test
    void unknownInjectionModeIsRefusedByName() {
        assertRefused(
                "injection: {mode: foo}", "injection.mode", "must be one of the following: \"native\", \"classic\"");
    }

    @Test
    void unknownTunDeviceIsRefusedByName() {
        assertRefused(
                "injection: {tunDevice: hostpath}",
                "injection.tunDevice",
                "\"hostPath\", \"create\", \"devicePlugin\", \"privileged\"");
        assertRefused(
                "injection: {tunDevice: devicePlugin, tunDeviceResource: \"squat.ai/tun device\"}",
                "injection.tunDeviceResource",
                "pattern");
    }

    @Test
    void unknownFailurePolicyIsRefusedByName() {
        assertRefused("webhook: {failurePolicy: Retry}", "webhook.failurePolicy", "\"Fail\", \"Ignore\"");
    }

    @Test
    void unknownCertificateSourceIsRefusedByName() {
        assertRefused(
                "webhook: {certificates: {source: vault}}",
                "webhook.certificates.source",
                "\"generate\", \"certManager\"");
    }

    @Test
    void issuerRefWithoutANameIsRefused() {
        assertRefused(
                "webhook: {certificates: {source: certManager, certManager: {issuerRef: {kind: ClusterIssuer}}}}",
                "webhook.certificates.certManager.issuerRef",
                "name is required");
    }

    @Test
    void misspeltKeyIsRefusedByName() {
        assertRefused("injection: {mod: classic}", "injection", "Additional property mod is not allowed");
    }

    @Test
    void wrongTypeIsRefusedByName() {
        assertRefused("operator: {replicas: two}", "operator.replicas", "Expected: integer, given: string");
    }

    @Test
    void privilegedPortIsRefused() {
        assertRefused("webhook: {port: 443}", "webhook.port", "greater than or equal to 1024");
    }

    @Test
    void anAllowedImageThatIsNoImageIsRefused() {
        assertRefused(
                "sidecar: {allowedImages: [\"registry.example.com/*\"]}",
                "sidecar.allowedImages.0",
                "Does not match pattern");
    }

    @Test
    void aWatchedNamespaceThatIsNoNamespaceNameOrTwiceIsRefused() {
        assertRefused("watchNamespaces: [Team_A]", "watchNamespaces.0", "Does not match pattern");
        assertRefused("watchNamespaces: [team-a, team-a]", "watchNamespaces", "unique");
    }

    @Test
    void metricsPortOnTheWebhookPortIsRefused() {
        assertThatThrownBy(() -> RenderedChart.render("corridor", "operator: {metrics: {port: 8443}}", scratch))
                .hasMessageContaining("operator.metrics.port and webhook.port must differ");
    }

    @Test
    void misspeltMonitoringSwitchIsRefusedByName() {
        assertRefused(
                "monitoring: {podMonitor: {enable: true}}",
                "monitoring.podMonitor",
                "Additional property enable is not allowed");
    }

    @Test
    void scrapeIntervalThatIsNoPrometheusDurationIsRefused() {
        assertRefused(
                "monitoring: {serviceMonitor: {interval: 30}}",
                "monitoring.serviceMonitor.interval",
                "Expected: string, given: integer");
        assertRefused(
                "monitoring: {podMonitor: {interval: half a minute}}",
                "monitoring.podMonitor.interval",
                "Does not match pattern");
    }

    private void assertRefused(String values, String... messageParts) {
        assertThatThrownBy(() -> RenderedChart.render("corridor", values, scratch))
                .hasMessageContaining("values don't meet the specifications of the schema")
                .hasMessageContainingAll(messageParts);
    }
}
