package dev.corridor.operator.reconciler;

import static dev.corridor.operator.testing.Fixtures.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.corridor.operator.crd.Egress;
import dev.corridor.operator.crd.EgressStatus;
import dev.corridor.operator.crd.VpnTunnel;
import dev.corridor.operator.crd.VpnTunnelSpec;
import dev.corridor.operator.crd.VpnTunnelStatus;
import dev.corridor.operator.model.AllowedImages;
import dev.corridor.operator.model.InjectionSettings;
import dev.corridor.operator.testing.Fixtures;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.javaoperatorsdk.operator.Operator;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The shared egress on Fabric8's mock API server in CRUD mode: the objects a tunnel's spec.egress asks for, owned by
 * the tunnel, following spec changes, and the status read back from the Deployment (the test plays the Deployment
 * controller).
 */
@Timeout(120)
@EnableKubernetesMockClient(crud = true)
class EgressReconcilerIT {
    private static final InjectionSettings INJECTION = new InjectionSettings(
            "corridor/sidecar:test",
            "IfNotPresent",
            InjectionSettings.Mode.NATIVE,
            InjectionSettings.TunDevice.HOST_PATH,
            new ResourceRequirements(),
            AllowedImages.NONE);

    KubernetesClient client;
    private Operator operator;

    @BeforeEach
    void startOperator() throws Exception {
        Fixtures.installCrd(client);
        // The mock answers neither server-side apply nor strategic merge; production keeps both on.
        operator = new Operator(o -> o.withKubernetesClient(client)
                .withUseSSAToPatchPrimaryResource(false)
                .withSSABasedCreateUpdateMatchForDependentResources(false)
                .withCloseClientOnStop(false));
        operator.register(new VpnTunnelReconciler(
                client,
                Fixtures.CLUSTER_DNS,
                new SidecarProbe(INJECTION, Duration.ofSeconds(1), Clock.systemUTC()),
                Clock.systemUTC(),
                Duration.ofSeconds(1)));
        operator.start();
        client.resource(Fixtures.credentials("vpn-login")).create();
    }

    @AfterEach
    void stopOperator() {
        operator.stop();
    }

    @Test
    void anEgressTunnelGetsItsDeploymentServicesNetworkPolicyAndDisruptionBudgetOwnedByIt() {
        VpnTunnel tunnel =
                client.resource(Fixtures.egressTunnel("corp", "vpn-login")).create();

        Deployment deployment = await().until(
                        () -> client.apps()
                                .deployments()
                                .inNamespace(NAMESPACE)
                                .withName("corridor-corp-egress")
                                .get(),
                        d -> d != null);
        assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);
        assertThat(deployment
                        .getSpec()
                        .getTemplate()
                        .getSpec()
                        .getContainers()
                        .getFirst()
                        .getArgs())
                .contains("0.0.0.0:10000=db.corp.example.test:5432", "--socks-listen", "--http-proxy-listen");
        List<Service> services = await().until(this::services, list -> list.size() == 4);
        assertThat(services)
                .extracting(s -> s.getMetadata().getName())
                .containsExactlyInAnyOrder(
                        "corridor-corp-db", "corridor-corp-ldap", "corridor-corp-socks5", "corridor-corp-http-proxy");
        NetworkPolicy policy = client.network()
                .v1()
                .networkPolicies()
                .inNamespace(NAMESPACE)
                .withName("corridor-corp-egress")
                .get();
        assertThat(policy.getSpec()
                        .getIngress()
                        .getFirst()
                        .getFrom()
                        .getFirst()
                        .getNamespaceSelector()
                        .getMatchExpressions()
                        .getFirst()
                        .getValues())
                .containsExactly(Fixtures.CLIENT_NAMESPACE);
        PodDisruptionBudget budget = client.policy()
                .v1()
                .podDisruptionBudget()
                .inNamespace(NAMESPACE)
                .withName("corridor-corp-egress")
                .get();
        assertThat(budget.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
        for (HasMetadata owned : List.of(deployment, policy, budget, services.getFirst())) {
            assertThat(owned.getMetadata().getOwnerReferences())
                    .as(owned.getKind())
                    .singleElement()
                    .satisfies(owner -> {
                        assertThat(owner.getKind()).isEqualTo("VpnTunnel");
                        assertThat(owner.getUid())
                                .isEqualTo(tunnel.getMetadata().getUid());
                        assertThat(owner.getController()).isTrue();
                    });
            assertThat(owned.getMetadata().getLabels())
                    .containsEntry("app.kubernetes.io/managed-by", "corridor-operator");
        }

        EgressStatus none = awaitStatus(s -> s.egress() != null).egress();
        assertThat(none)
                .isEqualTo(new EgressStatus(
                        0,
                        0,
                        2,
                        "0/2",
                        "corridor-corp-db,corridor-corp-ldap,corridor-corp-socks5,corridor-corp-http-proxy"));
    }

    @Test
    void theStatusShowsReadyEgressPodsAndSessionsAgainstTheBudget() {
        client.resource(Fixtures.egressTunnel("corp", "vpn-login")).create();
        await().until(
                        () -> client.apps()
                                .deployments()
                                .inNamespace(NAMESPACE)
                                .withName("corridor-corp-egress")
                                .get(),
                        d -> d != null);

        // The Deployment controller: two pods exist (two sessions), one has its tunnel up.
        client.apps()
                .deployments()
                .inNamespace(NAMESPACE)
                .withName("corridor-corp-egress")
                .editStatus(current -> new DeploymentBuilder(current)
                        .withNewStatus()
                        .withReplicas(2)
                        .withReadyReplicas(1)
                        .endStatus()
                        .build());

        EgressStatus status = awaitStatus(s -> s.egress() != null && s.egress().readyReplicas() == 1)
                .egress();
        assertThat(status.sessionsInUse()).isEqualTo(2);
        assertThat(status.sessions()).isEqualTo("2/2");
    }

    @Test
    void droppedServicesAndThenTheWholeEgressAreDeleted() {
        client.resource(Fixtures.egressTunnel("corp", "vpn-login")).create();
        await().until(this::services, list -> list.size() == 4);

        editEgress(egress -> new Egress(
                3, egress.services().subList(0, 1), new Egress.Proxy(false, true), egress.allowedNamespaces()));

        await().untilAsserted(() -> assertThat(services())
                .extracting(s -> s.getMetadata().getName())
                .containsExactlyInAnyOrder("corridor-corp-db", "corridor-corp-http-proxy"));
        awaitStatus(
                s -> s.egress() != null && s.egress().services().equals("corridor-corp-db,corridor-corp-http-proxy"));
        await().untilAsserted(() -> assertThat(client.apps()
                        .deployments()
                        .inNamespace(NAMESPACE)
                        .withName("corridor-corp-egress")
                        .get()
                        .getSpec()
                        .getReplicas())
                .isEqualTo(3));
        assertThat(client.apps()
                        .deployments()
                        .inNamespace(NAMESPACE)
                        .withName("corridor-corp-egress")
                        .get()
                        .getSpec()
                        .getTemplate()
                        .getSpec()
                        .getContainers()
                        .getFirst()
                        .getArgs())
                .doesNotContain("--socks-listen", "0.0.0.0:10001=10.30.0.9:389");

        editEgress(egress -> null);

        await().untilAsserted(() -> {
            assertThat(services()).isEmpty();
            assertThat(client.apps().deployments().inNamespace(NAMESPACE).list().getItems())
                    .isEmpty();
            assertThat(client.network()
                            .v1()
                            .networkPolicies()
                            .inNamespace(NAMESPACE)
                            .list()
                            .getItems())
                    .isEmpty();
            assertThat(client.policy()
                            .v1()
                            .podDisruptionBudget()
                            .inNamespace(NAMESPACE)
                            .list()
                            .getItems())
                    .isEmpty();
        });
        awaitStatus(s -> s.egress() == null);
    }

    @Test
    void aServiceOfTheSameNameThatTheOperatorDidNotMakeIsLeftAlone() {
        Service theirs = client.resource(new ServiceBuilder()
                        .withNewMetadata()
                        .withName("corridor-corp-db")
                        .withNamespace(NAMESPACE)
                        .addToLabels("team", "dba")
                        .endMetadata()
                        .withNewSpec()
                        .addNewPort()
                        .withPort(5432)
                        .endPort()
                        .endSpec()
                        .build())
                .create();

        client.resource(Fixtures.egressTunnel("corp", "vpn-login")).create();

        VpnTunnelStatus status = awaitStatus(s -> s.conditions() != null
                && s.conditions().stream().anyMatch(c -> c.getType().equals("ConfigValid")));
        assertThat(status.conditions())
                .filteredOn(c -> c.getType().equals("ConfigValid"))
                .singleElement()
                .satisfies(valid -> {
                    assertThat(valid.getStatus()).isEqualTo("False");
                    assertThat(valid.getReason()).isEqualTo("NameTaken");
                    assertThat(valid.getMessage())
                            .startsWith(
                                    "Service 'corridor-corp-db' exists and is not the operator's (it lacks the label"
                                            + " app.kubernetes.io/managed-by=corridor-operator)");
                });
        Service after = client.services()
                .inNamespace(NAMESPACE)
                .withName("corridor-corp-db")
                .get();
        assertThat(after.getMetadata().getResourceVersion())
                .isEqualTo(theirs.getMetadata().getResourceVersion());
        assertThat(after.getMetadata().getOwnerReferences()).isNullOrEmpty();
    }

    /**
     * Changes the spec alone (a JSON patch), as kubectl edit does: a PUT would race the operator's status patches on the
     * mock. Tried again when the operator wrote the status in between (409), as kubectl edit would be.
     */
    private void editEgress(UnaryOperator<Egress> change) {
        await().ignoreExceptionsMatching(
                        e -> e instanceof KubernetesClientException conflict && conflict.getCode() == 409)
                .until(() -> {
                    client.resources(VpnTunnel.class)
                            .inNamespace(NAMESPACE)
                            .withName("corp")
                            .edit(tunnel -> {
                                VpnTunnelSpec spec = tunnel.getSpec();
                                tunnel.setSpec(new VpnTunnelSpec(
                                        spec.gateway(),
                                        spec.trust(),
                                        spec.authentication(),
                                        spec.routes(),
                                        spec.mtu(),
                                        spec.dtls(),
                                        spec.sidecar(),
                                        spec.reconnect(),
                                        change.apply(spec.egress()),
                                        spec.dns()));
                                return tunnel;
                            });
                    return true;
                });
    }

    /** The Services the operator made. */
    private List<Service> services() {
        return client.services()
                .inNamespace(NAMESPACE)
                .withLabel("app.kubernetes.io/managed-by", "corridor-operator")
                .list()
                .getItems();
    }

    private VpnTunnelStatus awaitStatus(Predicate<VpnTunnelStatus> condition) {
        return await().atMost(Duration.ofSeconds(15))
                .until(
                        () -> {
                            VpnTunnel tunnel = client.resources(VpnTunnel.class)
                                    .inNamespace(NAMESPACE)
                                    .withName("corp")
                                    .get();
                            return tunnel == null ? null : tunnel.getStatus();
                        },
                        status -> status != null && condition.test(status));
    }
}
