package dev.corridor.operator.testing;

import dev.corridor.operator.crd.Egress;
import dev.corridor.operator.crd.VpnTunnel;
import dev.corridor.operator.crd.VpnTunnelSpec;
import dev.corridor.operator.model.ClusterDns;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** Objects the operator's tests create: tunnels, their Secrets, and pods. */
public final class Fixtures {
    public static final String NAMESPACE = "apps";
    /** Where the pods that use a shared egress run. */
    public static final String CLIENT_NAMESPACE = "payroll";

    public static final String GATEWAY = "https://vpn.example.test:8443";
    public static final String PIN = "pin-sha256:" + Base64.getEncoder().encodeToString(new byte[32]);
    /** The cluster's DNS as the chart's dns values name it, so that no test depends on finding kube-dns. */
    public static final ClusterDns CLUSTER_DNS = new ClusterDns(ClusterDns.DEFAULT_DOMAIN, List.of("10.96.0.10"));

    private Fixtures() {}

    /** A tunnel with the defaults a user would write: gateway, pin, credentials Secret. */
    public static VpnTunnel tunnel(String name, String secret) {
        return tunnel(
                name,
                new VpnTunnelSpec(
                        GATEWAY,
                        new VpnTunnelSpec.Trust(List.of(PIN), null),
                        new VpnTunnelSpec.Authentication(new VpnTunnelSpec.SecretReference(secret, null, null), null),
                        new VpnTunnelSpec.Routes(
                                List.of("10.30.0.0/16"), null, false, List.of("10.42.0.0/16", "10.43.0.0/16")),
                        null,
                        null,
                        null,
                        null,
                        null,
                        null));
    }

    /** The default tunnel with a shared egress: a forwarded database, both proxies, for the namespace {@value #CLIENT_NAMESPACE}. */
    public static VpnTunnel egressTunnel(String name, String secret) {
        VpnTunnelSpec spec = tunnel(name, secret).getSpec();
        return tunnel(
                name,
                new VpnTunnelSpec(
                        spec.gateway(),
                        spec.trust(),
                        spec.authentication(),
                        spec.routes(),
                        null,
                        null,
                        null,
                        null,
                        new Egress(
                                2,
                                List.of(
                                        new Egress.ForwardedService("db", "db.corp.example.test", List.of(5432)),
                                        new Egress.ForwardedService("ldap", "10.30.0.9", List.of(389, 636))),
                                new Egress.Proxy(true, true),
                                List.of(CLIENT_NAMESPACE)),
                        null));
    }

    /**
     * An application pod of {@value #CLIENT_NAMESPACE} that passes the restricted Pod Security level, with the egress
     * annotation.
     */
    public static Pod restrictedEgressPod(String name, String egress) {
        return new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(CLIENT_NAMESPACE)
                .addToAnnotations("corridor.dev/egress", egress)
                .endMetadata()
                .withNewSpec()
                .withNewSecurityContext()
                .withRunAsNonRoot(true)
                .withNewSeccompProfile()
                .withType("RuntimeDefault")
                .endSeccompProfile()
                .endSecurityContext()
                .addNewContainer()
                .withName("app")
                .withImage("registry.example.test/app:1")
                .withNewSecurityContext()
                .withAllowPrivilegeEscalation(false)
                .withNewCapabilities()
                .withDrop("ALL")
                .endCapabilities()
                .endSecurityContext()
                .endContainer()
                .endSpec()
                .build();
    }

    public static VpnTunnel tunnel(String name, VpnTunnelSpec spec) {
        VpnTunnel tunnel = new VpnTunnel();
        tunnel.setMetadata(
                new ObjectMetaBuilder().withName(name).withNamespace(NAMESPACE).build());
        tunnel.setSpec(spec);
        return tunnel;
    }

    public static Secret credentials(String name) {
        return new SecretBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(NAMESPACE)
                .endMetadata()
                .addToData("username", base64("alice"))
                .addToData("password", base64("secret"))
                .build();
    }

    /** A pod as a user writes it: one application container, the tunnel annotation. */
    public static Pod annotatedPod(String name, String tunnel) {
        return new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(NAMESPACE)
                .addToAnnotations("corridor.dev/tunnel", tunnel)
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("app")
                .withImage("registry.example.test/app:1")
                .endContainer()
                .endSpec()
                .build();
    }

    /**
     * A loopback address of its own for a pod's IP (Linux routes all of 127.0.0.0/8 to loopback), away from 127.0.0.1
     * where other servers of the machine listen: a fake sidecar listens there at the sidecar's own port.
     */
    public static InetAddress podAddress() throws UnknownHostException {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return InetAddress.getByAddress(new byte[] {
            127, (byte) random.nextInt(64, 128), (byte) random.nextInt(1, 255), (byte) random.nextInt(1, 255)
        });
    }

    /** Loads the CRD the build generated, so that the mock server honours its status subresource. */
    public static void installCrd(KubernetesClient client) throws IOException {
        try (InputStream crd = Fixtures.class.getResourceAsStream("/META-INF/fabric8/vpntunnels.corridor.dev-v1.yml")) {
            if (crd == null) {
                throw new IllegalStateException(
                        "the generated CRD is not on the class path: build the operator module first");
            }
            client.apiextensions()
                    .v1()
                    .customResourceDefinitions()
                    .resource(client.getKubernetesSerialization().unmarshal(crd, CustomResourceDefinition.class))
                    .create();
        }
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
