package dev.corridor.operator.crd;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class VpnTunnelStatusTest {
    /** A sidecar's report longer than the schema allows would make the API server refuse the tunnel's whole status. */
    @Test
    void whatASidecarReportsIsCutToTheSchemasBounds() throws Exception {
        JSONSchemaProps pod;
        try (InputStream in =
                Files.newInputStream(Path.of("target/classes/META-INF/fabric8/vpntunnels.corridor.dev-v1.yml"))) {
            pod = Serialization.unmarshal(in, CustomResourceDefinition.class)
                    .getSpec()
                    .getVersions()
                    .getFirst()
                    .getSchema()
                    .getOpenAPIV3Schema()
                    .getProperties()
                    .get("status")
                    .getProperties()
                    .get("pods")
                    .getItems()
                    .getSchema();
        }

        VpnTunnelStatus.PodSummary summary =
                new VpnTunnelStatus.PodSummary("web-0", true, "x".repeat(1000), "10.99.0.50", null);

        assertThat(summary.transport())
                .hasSize(pod.getProperties().get("transport").getMaxLength().intValue());
        assertThat(summary.address()).isEqualTo("10.99.0.50");
        assertThat(summary.since()).isNull();
    }
}
