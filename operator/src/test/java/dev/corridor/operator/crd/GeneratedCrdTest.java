package dev.corridor.operator.crd;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The CRD is generated from the Java classes; the copies users install must be exactly that. */
class GeneratedCrdTest {
    private static final String FILE = "vpntunnels.corridor.dev-v1.yml";

    @ParameterizedTest
    @ValueSource(strings = {"../crds/", "../charts/corridor/crds/"})
    void theCheckedInCopyIsWhatTheClassesGenerate(String directory) throws Exception {
        String generated = Files.readString(Path.of("target/classes/META-INF/fabric8/" + FILE));
        assertThat(Files.readString(Path.of(directory + FILE)))
                .as(directory + FILE + " differs from the generated CRD: run scripts/update-crds.sh")
                .isEqualTo(generated);
    }

    @Test
    void theSchemaSaysWhatTheApiServerMustEnforce() throws Exception {
        CustomResourceDefinitionVersion version = crd().getSpec().getVersions().getFirst();
        JSONSchemaProps spec =
                version.getSchema().getOpenAPIV3Schema().getProperties().get("spec");

        assertThat(version.getSubresources().getStatus()).isNotNull();
        assertThat(spec.getRequired()).containsExactlyInAnyOrder("gateway", "authentication");
        assertThat(spec.getProperties().get("gateway").getPattern()).startsWith("^https://");
        assertThat(spec.getProperties().get("mtu").getMinimum()).isEqualTo(1280.0);
        assertThat(spec.getProperties().get("dtls").getDefault().asBoolean()).isTrue();
        JSONSchemaProps routes = spec.getProperties().get("routes");
        assertThat(routes.getXKubernetesValidations())
                .extracting("message")
                .contains(
                        "allowDefaultRoute needs neverRoute (the cluster's pod and service CIDRs), or the pods lose their cluster network");
        assertThat(routes.getProperties().get("allowDefaultRoute").getDefault().asBoolean())
                .isFalse();
        assertThat(spec.getProperties().get("trust").getXKubernetesValidations())
                .extracting("message")
                .contains("trust.ca takes exactly one of secret or configMap");
        assertThat(version.getAdditionalPrinterColumns())
                .extracting("name")
                .containsExactly(
                        "Age",
                        "Gateway",
                        "Ready",
                        "Connected",
                        "DNS",
                        "Egress-Ready",
                        "Services",
                        "Sessions",
                        "Injected");
        // Every string of spec.egress has a length bound and every list a size bound, so CEL and the API server's cost
        // stay bounded.
        JSONSchemaProps egress = spec.getProperties().get("egress");
        assertThat(egress.getProperties().get("allowedNamespaces").getMaxItems())
                .isEqualTo(64L);
        assertThat(egress.getProperties()
                        .get("allowedNamespaces")
                        .getItems()
                        .getSchema()
                        .getMaxLength())
                .isEqualTo(63L);
        JSONSchemaProps service =
                egress.getProperties().get("services").getItems().getSchema();
        assertThat(egress.getProperties().get("services").getMaxItems()).isEqualTo(32L);
        assertThat(service.getProperties().get("host").getMaxLength()).isEqualTo(253L);
        assertThat(service.getProperties().get("ports").getItems().getSchema().getMaximum())
                .isEqualTo(65535.0);
        JSONSchemaProps dns = spec.getProperties().get("dns");
        assertThat(dns.getProperties().get("enabled").getDefault().asBoolean())
                .as("DNS through the sidecar unless turned off")
                .isTrue();
        assertThat(dns.getProperties().get("domains").getMaxItems()).isEqualTo(32L);
        assertThat(dns.getProperties().get("domains").getItems().getSchema().getMaxLength())
                .isEqualTo(253L);
        assertThat(dns.getProperties().get("domains").getItems().getSchema().getPattern())
                .isEqualTo(TunnelDns.DOMAIN);
        assertThat(crd().getSpec().getNames().getShortNames()).containsExactly("vpnt");
    }

    private static CustomResourceDefinition crd() throws Exception {
        try (InputStream in = Files.newInputStream(Path.of("target/classes/META-INF/fabric8/" + FILE))) {
            return Serialization.unmarshal(in, CustomResourceDefinition.class);
        }
    }
}
