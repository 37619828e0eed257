package dev.corridor.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corridor.operator.crd.Egress;
import dev.corridor.operator.crd.EgressStatus;
import dev.corridor.operator.crd.VpnTunnel;
import dev.corridor.operator.crd.VpnTunnelSpec;
import dev.corridor.operator.testing.Fixtures;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EgressWorkloadTest {
    private static final InjectionSettings SETTINGS = new InjectionSettings(
            "corridor/sidecar:test",
            "IfNotPresent",
            InjectionSettings.Mode.NATIVE,
            InjectionSettings.TunDevice.HOST_PATH,
            new ResourceRequirements(),
            AllowedImages.NONE);
    private static final Map<String, String> POD_LABELS = Map.of(
            "app.kubernetes.io/name",
            "corridor-egress",
            "app.kubernetes.io/instance",
            "corp",
            "app.kubernetes.io/managed-by",
            "corridor-operator");

    private final VpnTunnel tunnel = Fixtures.egressTunnel("corp", "vpn-login");

    @Test
    void theClientListensOnAForwardPerServicePortAndOnBothProxiesForTheClusterNetworksAlone() {
        Container client = EgressWorkload.deployment(tunnel, SETTINGS)
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .getFirst();

        assertThat(client.getName()).isEqualTo("corridor-egress");
        assertThat(client.getImage()).isEqualTo("corridor/sidecar:test");
        assertThat(client.getArgs())
                .containsExactly(
                        "connect",
                        "--config",
                        "/etc/corridor/config/corridor.yaml",
                        "--forward",
                        "0.0.0.0:10000=db.corp.example.test:5432",
                        "--forward",
                        "0.0.0.0:10001=10.30.0.9:389",
                        "--forward",
                        "0.0.0.0:10002=10.30.0.9:636",
                        "--socks-listen",
                        "0.0.0.0:1080",
                        "--http-proxy-listen",
                        "0.0.0.0:3128",
                        "--proxy-allow-source",
                        "10.42.0.0/16",
                        "--proxy-allow-source",
                        "10.43.0.0/16");
        assertThat(client.getPorts())
                .extracting(ContainerPort::getName, ContainerPort::getContainerPort)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("corridor-http", 9478),
                                org.assertj.core.groups.Tuple.tuple("fwd-10000", 10000),
                        org.assertj.core.groups.Tuple.tuple("fwd-10001", 10001),
                                org.assertj.core.groups.Tuple.tuple("fwd-10002", 10002),
                        org.assertj.core.groups.Tuple.tuple("socks5", 1080),
                                org.assertj.core.groups.Tuple.tuple("http-proxy", 3128));
    }

    @Test
    void theEgressPodsAreTheSidecarAsAMainContainerReadyOnlyWithTheTunnelUp() {
        Deployment deployment = EgressWorkload.deployment(tunnel, SETTINGS);
        Container client =
                deployment.getSpec().getTemplate().getSpec().getContainers().getFirst();
        Container sidecar =
                PodInjector.sidecar(tunnel.getSpec(), SETTINGS, "corridor/sidecar:test", Optional.empty(), 9478);

        // A main container, not a native sidecar, with the sidecar's configuration, credentials, token and tun device.
        assertThat(client.getRestartPolicy()).isNull();
        assertThat(client.getEnv())
                .anySatisfy(env -> assertThat(env.getName() + "=" + env.getValue())
                        .isEqualTo("JDK_JAVA_OPTIONS=-XX:MaxDirectMemorySize=80m"));
        assertThat(deployment.getSpec().getTemplate().getSpec().getInitContainers())
                .isEmpty();
        assertThat(client.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
        assertThat(client.getSecurityContext()).isEqualTo(sidecar.getSecurityContext());
        assertThat(client.getSecurityContext().getCapabilities().getAdd())
                .containsExactly("NET_ADMIN", "NET_BIND_SERVICE");
        assertThat(client.getVolumeMounts()).isEqualTo(sidecar.getVolumeMounts());
        assertThat(deployment.getSpec().getTemplate().getSpec().getVolumes())
                .extracting(Volume::getName)
                .contains("corridor-config", "corridor-credentials", "corridor-status-token", "corridor-tun");
        // Not counted as an injected pod of the tunnel.
        assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels())
                .isEqualTo(POD_LABELS)
                .doesNotContainKey(SidecarLayout.TUNNEL_LABEL);
        assertThat(deployment.getSpec().getSelector().getMatchLabels()).isEqualTo(POD_LABELS);
    }

    @Test
    void theDeploymentNeverRunsMorePodsThanTheSessionBudgetAndSpreadsAcrossNodes() {
        Deployment deployment = EgressWorkload.deployment(tunnel, SETTINGS);

        assertThat(deployment.getMetadata().getName()).isEqualTo("corridor-corp-egress");
        assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);
        assertThat(deployment.getSpec().getStrategy().getRollingUpdate().getMaxSurge())
                .isEqualTo(new IntOrString(0));
        assertThat(deployment.getSpec().getTemplate().getSpec().getTopologySpreadConstraints())
                .singleElement()
                .satisfies(spread -> {
                    assertThat(spread.getTopologyKey()).isEqualTo("kubernetes.io/hostname");
                    assertThat(spread.getMaxSkew()).isEqualTo(1);
                    assertThat(spread.getLabelSelector().getMatchLabels()).isEqualTo(POD_LABELS);
                });
        assertThat(deployment.getSpec().getTemplate().getSpec().getAutomountServiceAccountToken())
                .isFalse();
    }

    @Test
    void eachServiceMapsItsPortsToTheForwardsAndEachProxyHasItsOwn() {
        Map<String, Service> services = EgressWorkload.services(tunnel);

        assertThat(services)
                .containsOnlyKeys(
                        "corridor-corp-db", "corridor-corp-ldap", "corridor-corp-socks5", "corridor-corp-http-proxy");
        assertThat(services.get("corridor-corp-ldap").getSpec().getPorts())
                .extracting(ServicePort::getPort, port -> port.getTargetPort().getIntVal())
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(389, 10001),
                        org.assertj.core.groups.Tuple.tuple(636, 10002));
        assertThat(services.get("corridor-corp-socks5").getSpec().getPorts())
                .extracting(ServicePort::getPort)
                .containsExactly(1080);
        assertThat(services.get("corridor-corp-http-proxy").getSpec().getPorts())
                .extracting(ServicePort::getPort)
                .containsExactly(3128);
        assertThat(services.values()).allSatisfy(service -> {
            assertThat(service.getSpec().getType()).isEqualTo("ClusterIP");
            assertThat(service.getSpec().getSelector()).isEqualTo(POD_LABELS);
            assertThat(service.getMetadata().getNamespace()).isEqualTo(Fixtures.NAMESPACE);
        });
    }

    @Test
    void theNetworkPolicyAdmitsTheAllowedNamespacesToTheListenersAlone() {
        NetworkPolicy policy = EgressWorkload.networkPolicy(tunnel);

        assertThat(policy.getSpec().getPodSelector().getMatchLabels()).isEqualTo(POD_LABELS);
        assertThat(policy.getSpec().getPolicyTypes()).containsExactly("Ingress");
        assertThat(policy.getSpec().getIngress()).singleElement().satisfies(rule -> {
            assertThat(rule.getFrom()).singleElement().satisfies(peer -> {
                assertThat(peer.getPodSelector()).isNull();
                assertThat(peer.getNamespaceSelector().getMatchExpressions())
                        .singleElement()
                        .satisfies(expression -> {
                            assertThat(expression.getKey()).isEqualTo("kubernetes.io/metadata.name");
                            assertThat(expression.getOperator()).isEqualTo("In");
                            assertThat(expression.getValues()).containsExactly(Fixtures.CLIENT_NAMESPACE);
                        });
            });
            // Not the sidecar's own HTTP port (9478): its /status is for the operator and Prometheus, not for clients.
            assertThat(rule.getPorts())
                    .extracting(NetworkPolicyPort::getPort)
                    .extracting(IntOrString::getIntVal)
                    .containsExactly(10000, 10001, 10002, 1080, 3128);
        });
    }

    @Test
    void theDisruptionBudgetLetsOneEgressPodGoAtATime() {
        PodDisruptionBudget budget = EgressWorkload.disruptionBudget(tunnel);

        assertThat(budget.getSpec().getMaxUnavailable()).isEqualTo(new IntOrString(1));
        assertThat(budget.getSpec().getSelector().getMatchLabels()).isEqualTo(POD_LABELS);
    }

    @Test
    void theStatusCountsSessionsAgainstTheBudget() {
        Deployment rollingOut = new DeploymentBuilder()
                .withNewStatus()
                .withReplicas(2)
                .withReadyReplicas(1)
                .endStatus()
                .build();

        assertThat(EgressWorkload.status(tunnel, Optional.of(rollingOut)))
                .isEqualTo(new EgressStatus(
                        1,
                        2,
                        2,
                        "2/2",
                        "corridor-corp-db,corridor-corp-ldap,corridor-corp-socks5,corridor-corp-http-proxy"));
        assertThat(EgressWorkload.status(tunnel, Optional.empty()).sessions()).isEqualTo("0/2");
    }

    @Test
    void namesThatCannotBeServicesAndMissingClusterNetworksAreProblems() {
        VpnTunnelSpec spec = tunnel.getSpec();
        VpnTunnel bad = Fixtures.tunnel(
                "a-tunnel-with-a-rather-long-name-for-its-services",
                new VpnTunnelSpec(
                        spec.gateway(),
                        spec.trust(),
                        spec.authentication(),
                        new VpnTunnelSpec.Routes(List.of("10.30.0.0/16"), null, false, null),
                        null,
                        null,
                        null,
                        null,
                        new Egress(
                                null,
                                List.of(
                                        new Egress.ForwardedService("db", "db.corp.example.test", List.of(5432, 5432)),
                                        new Egress.ForwardedService("db", "db2.corp.example.test", List.of(5432)),
                                        new Egress.ForwardedService("socks5", "10.30.0.1", List.of(1080))),
                                null,
                                List.of("payroll")),
                        null));

        assertThat(EgressWorkload.problems(bad))
                .extracting(SpecValidation.Problem::message)
                .containsExactly(
                        "spec.egress.services: service 'db' lists a port twice: [5432, 5432]",
                        "spec.egress.services: the name 'db' appears twice; each names a Service",
                        "spec.egress.services: the name 'socks5' is the proxy's Service; choose another",
                        "spec.egress: the Service name 'corridor-a-tunnel-with-a-rather-long-name-for-its-services-socks5' is not a DNS label of at most"
                                + " 63 characters without dots; shorten the tunnel's or the service's name",
                        "spec.egress needs spec.routes.neverRoute (the cluster's pod and service CIDRs): the egress pods admit connections only from"
                                + " there, and pods keep them out of the proxy (NO_PROXY)");
        assertThat(EgressWorkload.problems(tunnel)).isEmpty();
        assertThat(EgressWorkload.problems(Fixtures.tunnel("corp", "vpn-login")))
                .isEmpty();
    }
}
