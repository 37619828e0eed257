package dev.corridor.operator.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import dev.corridor.operator.OperatorSettings;
import dev.corridor.operator.crd.VpnTunnel;
import dev.corridor.operator.model.AllowedImages;
import dev.corridor.operator.model.EgressWorkload;
import dev.corridor.operator.model.InjectionSettings;
import dev.corridor.operator.model.WatchedNamespaces;
import dev.corridor.operator.testing.Fixtures;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code helm template} renders, checked against the operator's deployment contract: the environment, the
 * security context and probes of the operator, the RBAC, and the webhook configuration.
 */
class ChartTemplateTest {
    @TempDir
    Path scratch;

    /** One permission: a verb on a resource (optionally one named object) of an API group. */
    record Permission(String apiGroup, String resource, String resourceName, String verb) {}

    /** What the operator does with the objects of a tunnel's shared egress: watch, apply, delete. */
    static final String[] EGRESS_VERBS = {"get", "list", "watch", "create", "patch", "delete"};

    /** What the operator does with tunnels: by a ClusterRole, or by a Role in each namespace of watchNamespaces. */
    static Set<Permission> tunnelPermissions() {
        return Stream.of(
                        permissions("corridor.dev", "vpntunnels", null, "get", "list", "watch"),
                        permissions("corridor.dev", "vpntunnels/status", null, "patch"),
                        permissions("", "configmaps", null, "get", "list", "watch", "create", "patch"),
                        permissions("", "secrets", null, "get", "create"),
                        permissions("apps", "deployments", null, EGRESS_VERBS),
                        permissions("", "services", null, EGRESS_VERBS),
                        permissions("networking.k8s.io", "networkpolicies", null, EGRESS_VERBS),
                        permissions("policy", "poddisruptionbudgets", null, EGRESS_VERBS),
                        permissions("", "pods", null, "list", "watch"),
                        permissions("", "events", null, "create"))
                .flatMap(Set::stream)
                .collect(Collectors.toSet());
    }

    /** The ClusterRole of the contract, for a webhook configuration of this name. Stated once; the chart must grant exactly this. */
    static Set<Permission> clusterPermissions(String webhookConfiguration) {
        Set<Permission> all = new HashSet<>(tunnelPermissions());
        all.addAll(permissions(
                "admissionregistration.k8s.io",
                "mutatingwebhookconfigurations",
                webhookConfiguration,
                "get",
                "update"));
        return all;
    }

    /**
     * The Role of the contract, in the operator's namespace, plus patch on the lease: fabric8 7.5's LeaseLock
     * renews with a JSON merge patch, and the operator SDK refuses to start electing without get and update.
     */
    static Set<Permission> namespacePermissions(
            String webhookSecret, String caSecret, String webhookService, String lease) {
        return Stream.of(
                        permissions("", "secrets", null, "create"),
                        permissions("", "secrets", webhookSecret, "get", "update"),
                        permissions("", "secrets", caSecret, "get", "update"),
                        // The Secrets' owner, so that uninstalling removes them.
                        permissions("", "services", webhookService, "get"),
                        permissions("coordination.k8s.io", "leases", null, "create"),
                        permissions("coordination.k8s.io", "leases", lease, "get", "update", "patch"))
                .flatMap(Set::stream)
                .collect(Collectors.toSet());
    }

    @Test
    void defaultsGiveTheOperatorExactlyTheContractsEnvironment() {
        RenderedChart chart = RenderedChart.render("corridor", "", scratch);

        assertThat(chart.kinds())
                .containsExactlyInAnyOrder(
                        "ServiceAccount/corridor-operator",
                        "ClusterRole/corridor-operator",
                        "ClusterRoleBinding/corridor-operator",
                        "Role/corridor-operator",
                        "RoleBinding/corridor-operator",
                        "Role/corridor-operator-cluster-dns",
                        "RoleBinding/corridor-operator-cluster-dns",
                        "Service/corridor-webhook",
                        "Service/corridor-metrics",
                        "Deployment/corridor-operator",
                        "PodDisruptionBudget/corridor-operator",
                        "MutatingWebhookConfiguration/corridor");
        Container operator = operatorContainer(chart);
        // With the release named "corridor", every name is the operator's built-in default.
        assertThat(plainEnvironment(operator))
                .containsExactlyEntriesOf(ordered(
                        "CORRIDOR_SIDECAR_IMAGE", RenderedChart.SIDECAR_REPOSITORY + ":0.1.0",
                        "CORRIDOR_SIDECAR_IMAGE_PULL_POLICY", "IfNotPresent",
                        "CORRIDOR_SIDECAR_RESOURCES",
                                "{\"limits\":{\"memory\":\"192Mi\"},\"requests\":{\"cpu\":\"50m\",\"memory\":\"128Mi\"}}",
                        "CORRIDOR_ALLOWED_SIDECAR_IMAGES", "",
                        "CORRIDOR_INJECTION_MODE", "native",
                        "CORRIDOR_TUN_DEVICE", "hostPath",
                        "CORRIDOR_TUN_DEVICE_RESOURCE", "squat.ai/tun",
                        "CORRIDOR_WEBHOOK_PORT", "8443",
                        "CORRIDOR_WEBHOOK_CERTIFICATES", "generate",
                        "CORRIDOR_WEBHOOK_SECRET", "corridor-webhook-tls",
                        "CORRIDOR_WEBHOOK_CA_SECRET", "corridor-webhook-ca",
                        "CORRIDOR_WEBHOOK_SERVICE", "corridor-webhook",
                        "CORRIDOR_WEBHOOK_CONFIGURATION", "corridor",
                        "CORRIDOR_WEBHOOK_CERT_DIRECTORY", "/etc/corridor/webhook-tls",
                        "CORRIDOR_LEASE_NAME", "corridor-operator",
                        "CORRIDOR_LOG_LEVEL", "info",
                        "CORRIDOR_METRICS_PORT", "8080",
                        "CORRIDOR_WATCH_NAMESPACES", "",
                        "CORRIDOR_CLUSTER_DOMAIN", "cluster.local",
                        "CORRIDOR_DNS_UPSTREAM", ""));
        EnvVar namespace = operator.getEnv().stream()
                .filter(env -> env.getName().equals("CORRIDOR_NAMESPACE"))
                .findFirst()
                .orElseThrow();
        assertThat(namespace.getValue()).isNull();
        assertThat(namespace.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.namespace");
        // The resources the operator parses are the contract's default sidecar resources.
        assertThat(Serialization.unmarshal(
                        plainEnvironment(operator).get("CORRIDOR_SIDECAR_RESOURCES"), ResourceRequirements.class))
                .isEqualTo(new ResourceRequirementsBuilder()
                        .addToRequests("cpu", new Quantity("50m"))
                        .addToRequests("memory", new Quantity("128Mi"))
                        .addToLimits("memory", new Quantity("192Mi"))
                        .build());
        assertThat(operator.getImage()).isEqualTo(RenderedChart.OPERATOR_REPOSITORY + ":0.1.0");
    }

    @Test
    void operatorRunsLockedDownWithHttpsProbesOnTheWebhookPort() {
        RenderedChart chart = RenderedChart.render("corridor", "", scratch);
        Deployment deployment = chart.one("Deployment", Deployment.class);
        PodSpec pod = deployment.getSpec().getTemplate().getSpec();
        Container operator = operatorContainer(chart);

        PodSecurityContext podSecurity = pod.getSecurityContext();
        SecurityContext security = operator.getSecurityContext();
        assertThat(podSecurity.getRunAsNonRoot()).isTrue();
        assertThat(podSecurity.getRunAsUser()).isEqualTo(65532L);
        assertThat(podSecurity.getRunAsGroup()).isEqualTo(65532L);
        assertThat(podSecurity.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(security.getAllowPrivilegeEscalation()).isFalse();
        assertThat(security.getPrivileged()).isFalse();
        assertThat(security.getReadOnlyRootFilesystem()).isTrue();
        assertThat(security.getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(security.getCapabilities().getAdd()).isNullOrEmpty();
        // Nothing at container level may undo the pod-level settings.
        assertThat(security.getRunAsUser()).isNull();
        assertThat(security.getRunAsNonRoot()).isNull();

        assertThat(operator.getPorts())
                .extracting(ContainerPort::getName, ContainerPort::getContainerPort)
                .containsExactly(tuple("webhook", 8443), tuple("metrics", 8080));
        assertHttpsProbe(operator.getLivenessProbe(), "/healthz");
        assertHttpsProbe(operator.getReadinessProbe(), "/readyz");

        assertThat(operator.getVolumeMounts())
                .extracting(VolumeMount::getName, VolumeMount::getMountPath)
                .containsExactly(tuple("tmp", "/tmp"));
        assertThat(pod.getVolumes())
                .singleElement()
                .satisfies(volume -> assertThat(volume.getEmptyDir()).isNotNull());

        assertThat(deployment.getSpec().getStrategy().getType()).isEqualTo("RollingUpdate");
        assertThat(deployment
                        .getSpec()
                        .getStrategy()
                        .getRollingUpdate()
                        .getMaxUnavailable()
                        .getIntVal())
                .isZero();
        assertThat(pod.getServiceAccountName())
                .isEqualTo(chart.one("ServiceAccount", ServiceAccount.class)
                        .getMetadata()
                        .getName());
        assertThat(pod.getNodeSelector()).isNullOrEmpty();
        assertThat(pod.getTolerations()).isNullOrEmpty();
        assertThat(pod.getImagePullSecrets()).isNullOrEmpty();

        Service service = chart.named("Service", "corridor-webhook", Service.class);
        assertThat(service.getSpec().getSelector())
                .isEqualTo(deployment.getSpec().getSelector().getMatchLabels());
        assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels())
                .containsAllEntriesOf(service.getSpec().getSelector());
        assertThat(service.getSpec().getPorts()).singleElement().satisfies(port -> {
            assertThat(port.getPort()).isEqualTo(443);
            assertThat(port.getTargetPort().getStrVal()).isEqualTo("webhook");
        });
    }

    /** Every kind of object the operator writes for a shared egress, from what the model renders, in both modes. */
    @Test
    void rbacCoversEveryObjectOfASharedEgress() {
        VpnTunnel tunnel = Fixtures.egressTunnel("corp", "vpn-login");
        List<HasMetadata> written = new ArrayList<>(List.of(
                EgressWorkload.deployment(
                        tunnel,
                        new InjectionSettings(
                                "corridor/sidecar:test",
                                "IfNotPresent",
                                InjectionSettings.Mode.NATIVE,
                                InjectionSettings.TunDevice.HOST_PATH,
                                new ResourceRequirements(),
                                AllowedImages.NONE)),
                EgressWorkload.networkPolicy(tunnel),
                EgressWorkload.disruptionBudget(tunnel)));
        written.addAll(EgressWorkload.services(tunnel).values());
        List<Permission> clusterWide = permissions(RenderedChart.render("corridor", "", scratch)
                .one("ClusterRole", ClusterRole.class)
                .getRules());
        List<Permission> namespaced = permissions(inNamespace(
                        RenderedChart.render("corridor", "watchNamespaces: [apps]", scratch),
                        "Role",
                        "apps",
                        Role.class)
                .getRules());

        for (HasMetadata object : written) {
            Set<Permission> needed = permissions(
                    HasMetadata.getGroup(object.getClass()),
                    HasMetadata.getPlural(object.getClass()),
                    null,
                    EGRESS_VERBS);
            assertThat(clusterWide).as(object.getKind()).containsAll(needed);
            assertThat(namespaced).as(object.getKind()).containsAll(needed);
        }
    }

    @Test
    void twoReplicasOnDifferentNodesOfWhichADrainLeavesOneAnswering() {
        RenderedChart chart = RenderedChart.render("corridor", "", scratch);
        Deployment deployment = chart.one("Deployment", Deployment.class);
        Map<String, String> operatorPods =
                deployment.getSpec().getTemplate().getMetadata().getLabels();

        assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);
        PodDisruptionBudget budget = chart.one("PodDisruptionBudget", PodDisruptionBudget.class);
        assertThat(budget.getSpec().getMinAvailable().getIntVal()).isEqualTo(1);
        assertThat(budget.getSpec().getMaxUnavailable()).isNull();
        assertThat(budget.getSpec().getSelector().getMatchLabels())
                .isEqualTo(deployment.getSpec().getSelector().getMatchLabels());
        assertThat(operatorPods)
                .containsAllEntriesOf(budget.getSpec().getSelector().getMatchLabels());
        // Preferred, not required: a single-node cluster still runs both.
        assertThat(deployment
                        .getSpec()
                        .getTemplate()
                        .getSpec()
                        .getAffinity()
                        .getPodAntiAffinity()
                        .getRequiredDuringSchedulingIgnoredDuringExecution())
                .isNullOrEmpty();
        assertThat(deployment
                        .getSpec()
                        .getTemplate()
                        .getSpec()
                        .getAffinity()
                        .getPodAntiAffinity()
                        .getPreferredDuringSchedulingIgnoredDuringExecution())
                .singleElement()
                .satisfies(term -> {
                    assertThat(term.getPodAffinityTerm().getTopologyKey()).isEqualTo("kubernetes.io/hostname");
                    assertThat(operatorPods)
                            .containsAllEntriesOf(
                                    term.getPodAffinityTerm().getLabelSelector().getMatchLabels());
                });
    }

    @Test
    void oneReplicaGetsNoDisruptionBudgetThatWouldBlockEveryDrainAndAnAffinityReplacesTheDefault() {
        RenderedChart chart = RenderedChart.render("corridor", """
                operator:
                  replicas: 1
                  affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: pool, operator: In, values: [system]}]}]}}}
                """, scratch);

        assertThat(chart.has("PodDisruptionBudget")).isFalse();
        PodSpec pod = chart.one("Deployment", Deployment.class)
                .getSpec()
                .getTemplate()
                .getSpec();
        assertThat(pod.getAffinity().getPodAntiAffinity()).isNull();
        assertThat(pod.getAffinity()
                        .getNodeAffinity()
                        .getRequiredDuringSchedulingIgnoredDuringExecution()
                        .getNodeSelectorTerms())
                .hasSize(1);
    }

    @Test
    void onOpenShiftTheNamespaceAssignsTheOperatorsUid() {
        Map<String, List<FakeApiServer.Kind>> openShift = FakeApiServer.with(
                FakeApiServer.KUBERNETES,
                "security.openshift.io/v1",
                List.of(new FakeApiServer.Kind("SecurityContextConstraints", "securitycontextconstraints", false)));
        PodSecurityContext podSecurity = RenderedChart.install("corridor", "", scratch, openShift)
                .chart()
                .one("Deployment", Deployment.class)
                .getSpec()
                .getTemplate()
                .getSpec()
                .getSecurityContext();

        // restricted-v2 refuses a UID outside the namespace's range; everything else of the default stays.
        assertThat(podSecurity.getRunAsUser()).isNull();
        assertThat(podSecurity.getRunAsGroup()).isNull();
        assertThat(podSecurity.getRunAsNonRoot()).isTrue();
        assertThat(podSecurity.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    }

    @Test
    void thePodSecurityContextIsAValue() {
        PodSecurityContext podSecurity = RenderedChart.render(
                        "corridor", "operator: {podSecurityContext: {fsGroup: 2000, runAsUser: null}}", scratch)
                .one("Deployment", Deployment.class)
                .getSpec()
                .getTemplate()
                .getSpec()
                .getSecurityContext();

        // Merged with the default, whose keys a null removes.
        assertThat(podSecurity.getFsGroup()).isEqualTo(2000L);
        assertThat(podSecurity.getRunAsUser()).isNull();
        assertThat(podSecurity.getRunAsGroup()).isEqualTo(65532L);
    }

    @Test
    void rbacIsExactlyTheContractsRulesBoundToTheOperatorsServiceAccount() {
        RenderedChart chart = RenderedChart.render("corridor", "", scratch);

        assertThat(permissions(chart.one("ClusterRole", ClusterRole.class).getRules()))
                .containsExactlyInAnyOrderElementsOf(clusterPermissions("corridor"));
        Role role = chart.named("Role", "corridor-operator", Role.class);
        assertThat(role.getMetadata().getNamespace()).isEqualTo(RenderedChart.NAMESPACE);
        assertThat(permissions(role.getRules()))
                .containsExactlyInAnyOrderElementsOf(namespacePermissions(
                        "corridor-webhook-tls", "corridor-webhook-ca", "corridor-webhook", "corridor-operator"));

        ClusterRoleBinding clusterBinding = chart.one("ClusterRoleBinding", ClusterRoleBinding.class);
        RoleBinding binding = chart.named("RoleBinding", "corridor-operator", RoleBinding.class);
        assertThat(clusterBinding.getRoleRef().getKind()).isEqualTo("ClusterRole");
        assertThat(clusterBinding.getRoleRef().getName()).isEqualTo("corridor-operator");
        assertThat(binding.getRoleRef().getKind()).isEqualTo("Role");
        assertThat(binding.getRoleRef().getName()).isEqualTo(role.getMetadata().getName());
        for (var subjects : List.of(clusterBinding.getSubjects(), binding.getSubjects())) {
            assertThat(subjects).singleElement().satisfies(subject -> {
                assertThat(subject.getKind()).isEqualTo("ServiceAccount");
                assertThat(subject.getName()).isEqualTo("corridor-operator");
                assertThat(subject.getNamespace()).isEqualTo(RenderedChart.NAMESPACE);
            });
        }
    }

    /** Finding the cluster DNS: the one Service kube-system/kube-dns, read only; nothing when dns.upstream names it. */
    @Test
    void theOperatorMayReadTheKubeDnsServiceAloneAndNotEvenThatWhenTheUpstreamIsSet() {
        RenderedChart chart = RenderedChart.render("corridor", "", scratch);

        Role role = chart.named("Role", "corridor-operator-cluster-dns", Role.class);
        assertThat(role.getMetadata().getNamespace()).isEqualTo("kube-system");
        assertThat(permissions(role.getRules()))
                .containsExactlyInAnyOrderElementsOf(permissions("", "services", "kube-dns", "get"));
        RoleBinding binding = chart.named("RoleBinding", "corridor-operator-cluster-dns", RoleBinding.class);
        assertThat(binding.getMetadata().getNamespace()).isEqualTo("kube-system");
        assertThat(binding.getRoleRef().getName()).isEqualTo("corridor-operator-cluster-dns");
        assertThat(binding.getSubjects()).singleElement().satisfies(subject -> {
            assertThat(subject.getName()).isEqualTo("corridor-operator");
            assertThat(subject.getNamespace()).isEqualTo(RenderedChart.NAMESPACE);
        });

        RenderedChart set = RenderedChart.render(
                "corridor",
                "dns: {clusterDomain: k8s.example.internal, upstream: [10.100.0.10, \"[fd00::a]:53\"]}",
                scratch);
        assertThat(set.kinds()).noneMatch(kind -> kind.contains("cluster-dns"));
        assertThat(plainEnvironment(operatorContainer(set)))
                .containsEntry("CORRIDOR_CLUSTER_DOMAIN", "k8s.example.internal")
                .containsEntry("CORRIDOR_DNS_UPSTREAM", "10.100.0.10,[fd00::a]:53");
    }

    @Test
    void anotherReleaseNameRenamesEverythingConsistently() {
        RenderedChart chart = RenderedChart.render("vpn", "", scratch);
        Map<String, String> env = plainEnvironment(operatorContainer(chart));

        assertThat(env)
                .containsEntry("CORRIDOR_WEBHOOK_SECRET", "vpn-corridor-webhook-tls")
                .containsEntry("CORRIDOR_WEBHOOK_CA_SECRET", "vpn-corridor-webhook-ca")
                .containsEntry("CORRIDOR_WEBHOOK_SERVICE", "vpn-corridor-webhook")
                .containsEntry("CORRIDOR_WEBHOOK_CONFIGURATION", "vpn-corridor")
                .containsEntry("CORRIDOR_LEASE_NAME", "vpn-corridor-operator");
        assertThat(chart.kinds())
                .contains("Service/" + env.get("CORRIDOR_WEBHOOK_SERVICE"), "Service/vpn-corridor-metrics");
        MutatingWebhookConfiguration configuration =
                chart.one("MutatingWebhookConfiguration", MutatingWebhookConfiguration.class);
        assertThat(configuration.getMetadata().getName()).isEqualTo(env.get("CORRIDOR_WEBHOOK_CONFIGURATION"));
        assertThat(configuration
                        .getWebhooks()
                        .getFirst()
                        .getClientConfig()
                        .getService()
                        .getName())
                .isEqualTo(env.get("CORRIDOR_WEBHOOK_SERVICE"));
        assertThat(permissions(chart.one("ClusterRole", ClusterRole.class).getRules()))
                .containsExactlyInAnyOrderElementsOf(clusterPermissions("vpn-corridor"));
        assertThat(permissions(
                        chart.named("Role", "vpn-corridor-operator", Role.class).getRules()))
                .containsExactlyInAnyOrderElementsOf(namespacePermissions(
                        "vpn-corridor-webhook-tls",
                        "vpn-corridor-webhook-ca",
                        "vpn-corridor-webhook",
                        "vpn-corridor-operator"));
    }

    @Test
    void webhookSendsOnlyAnnotatedPodCreationsToTheOperator() {
        RenderedChart chart = RenderedChart.render("corridor", "", scratch);
        MutatingWebhookConfiguration configuration =
                chart.one("MutatingWebhookConfiguration", MutatingWebhookConfiguration.class);
        assertThat(configuration.getMetadata().getAnnotations()).isNullOrEmpty();
        MutatingWebhook webhook = configuration.getWebhooks().getFirst();
        assertThat(configuration.getWebhooks()).hasSize(1);

        assertThat(webhook.getAdmissionReviewVersions()).containsExactly("v1");
        assertThat(webhook.getSideEffects()).isEqualTo("None");
        assertThat(webhook.getFailurePolicy()).isEqualTo("Fail");
        assertThat(webhook.getReinvocationPolicy()).isEqualTo("Never");
        assertThat(webhook.getTimeoutSeconds()).isEqualTo(10);
        assertThat(webhook.getClientConfig().getCaBundle()).isNull();
        assertThat(webhook.getClientConfig().getUrl()).isNull();
        assertThat(webhook.getClientConfig().getService().getName()).isEqualTo("corridor-webhook");
        assertThat(webhook.getClientConfig().getService().getNamespace()).isEqualTo(RenderedChart.NAMESPACE);
        assertThat(webhook.getClientConfig().getService().getPath()).isEqualTo("/mutate-pods");
        assertThat(webhook.getClientConfig().getService().getPort()).isEqualTo(443);
        assertThat(webhook.getRules()).singleElement().satisfies(rule -> {
            assertThat(rule.getApiGroups()).containsExactly("");
            assertThat(rule.getApiVersions()).containsExactly("v1");
            assertThat(rule.getOperations()).containsExactly("CREATE");
            assertThat(rule.getResources()).containsExactly("pods");
        });
        assertThat(webhook.getObjectSelector()).isNull();
        assertThat(webhook.getNamespaceSelector().getMatchLabels()).isNullOrEmpty();
        assertThat(webhook.getNamespaceSelector().getMatchExpressions())
                .containsExactly(operatorAndKubeSystemExcluded());
        assertThat(webhook.getMatchConditions())
                .singleElement()
                .satisfies(condition -> assertThat(condition.getExpression())
                        .isEqualTo(
                                "has(object.metadata.annotations) && ('corridor.dev/tunnel' in object.metadata.annotations"
                                        + " || 'corridor.dev/egress' in object.metadata.annotations)"));
    }

    @Test
    void nonDefaultInjectionAndWebhookSettingsReachTheOperatorAndTheWebhook() {
        RenderedChart chart = RenderedChart.render("corridor", """
                operator:
                  image: {repository: registry.example.com/corridor/operator, tag: "0.1.1", pullPolicy: Always}
                  replicas: 3
                  logLevel: debug
                  imagePullSecrets: [{name: registry-credentials}]
                  nodeSelector: {kubernetes.io/os: linux}
                  tolerations: [{key: dedicated, operator: Equal, value: system, effect: NoSchedule}]
                sidecar:
                  image: {repository: registry.example.com/corridor/sidecar, tag: "0.1.1", pullPolicy: Always}
                  resources: {requests: {cpu: 20m, memory: 100Mi}, limits: {memory: 160Mi}}
                  allowedImages: [registry.example.com/corridor/, "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"]
                injection: {mode: classic, tunDevice: devicePlugin, tunDeviceResource: example.com/tun}
                webhook:
                  port: 9443
                  failurePolicy: Ignore
                  matchConditions: false
                  namespaceSelector:
                    matchLabels: {corridor.dev/injection: enabled}
                    matchExpressions: [{key: environment, operator: In, values: [staging, production]}]
                """, scratch);
        Container operator = operatorContainer(chart);
        Map<String, String> env = plainEnvironment(operator);
        assertThat(env)
                .containsEntry("CORRIDOR_INJECTION_MODE", "classic")
                .containsEntry("CORRIDOR_TUN_DEVICE", "devicePlugin")
                .containsEntry("CORRIDOR_TUN_DEVICE_RESOURCE", "example.com/tun")
                .containsEntry("CORRIDOR_SIDECAR_IMAGE", "registry.example.com/corridor/sidecar:0.1.1")
                .containsEntry("CORRIDOR_SIDECAR_IMAGE_PULL_POLICY", "Always")
                .containsEntry(
                        "CORRIDOR_SIDECAR_RESOURCES",
                        "{\"limits\":{\"memory\":\"160Mi\"},\"requests\":{\"cpu\":\"20m\",\"memory\":\"100Mi\"}}")
                .containsEntry(
                        "CORRIDOR_ALLOWED_SIDECAR_IMAGES",
                        "registry.example.com/corridor/,sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
                .containsEntry("CORRIDOR_WEBHOOK_PORT", "9443")
                .containsEntry("CORRIDOR_LOG_LEVEL", "debug");
        assertThat(operator.getImage()).isEqualTo("registry.example.com/corridor/operator:0.1.1");
        assertThat(operator.getImagePullPolicy()).isEqualTo("Always");
        assertThat(operator.getPorts().getFirst().getContainerPort()).isEqualTo(9443);
        PodSpec pod = chart.one("Deployment", Deployment.class)
                .getSpec()
                .getTemplate()
                .getSpec();
        assertThat(chart.one("Deployment", Deployment.class).getSpec().getReplicas())
                .isEqualTo(3);
        assertThat(pod.getImagePullSecrets())
                .singleElement()
                .satisfies(secret -> assertThat(secret.getName()).isEqualTo("registry-credentials"));
        assertThat(pod.getNodeSelector()).containsExactlyEntriesOf(Map.of("kubernetes.io/os", "linux"));
        assertThat(pod.getTolerations())
                .singleElement()
                .satisfies(toleration -> assertThat(toleration.getKey()).isEqualTo("dedicated"));

        MutatingWebhook webhook = chart.one("MutatingWebhookConfiguration", MutatingWebhookConfiguration.class)
                .getWebhooks()
                .getFirst();
        assertThat(webhook.getFailurePolicy()).isEqualTo("Ignore");
        assertThat(webhook.getMatchConditions()).isNullOrEmpty();
        assertThat(webhook.getNamespaceSelector().getMatchLabels())
                .containsExactlyEntriesOf(Map.of("corridor.dev/injection", "enabled"));
        // The user's expressions are added to the exclusions, never replace them.
        assertThat(webhook.getNamespaceSelector().getMatchExpressions())
                .containsExactly(
                        operatorAndKubeSystemExcluded(),
                        new LabelSelectorRequirement("environment", "In", List.of("staging", "production")));
    }

    @Test
    void certManagerWithoutAnIssuerBootstrapsItsOwnCaWhoseRenewalsLeaveTheCaBundleAlone() {
        RenderedChart chart =
                RenderedChart.render("corridor", "webhook: {certificates: {source: certManager}}", scratch);

        // A self-signed Issuer signs the CA Certificate ...
        JsonNode selfSigned = chart.named("Issuer", "corridor-selfsigned", JsonNode.class);
        assertThat(selfSigned.path("apiVersion").asText()).isEqualTo("cert-manager.io/v1");
        assertThat(selfSigned.path("metadata").path("namespace").asText()).isEqualTo(RenderedChart.NAMESPACE);
        assertThat(selfSigned.path("spec").path("selfSigned").isObject()).isTrue();
        JsonNode ca = chart.named("Certificate", "corridor-ca", JsonNode.class);
        assertThat(ca.path("metadata").path("namespace").asText()).isEqualTo(RenderedChart.NAMESPACE);
        assertThat(ca.path("spec").path("isCA").asBoolean()).isTrue();
        assertIssuedBy(ca, selfSigned);
        // ... renewed with the same key, so that what it signed before still verifies ...
        assertThat(ca.path("spec").path("privateKey").path("rotationPolicy").asText())
                .isEqualTo("Never");
        // ... and a CA Issuer holding its Secret signs the serving certificate.
        JsonNode caIssuer = chart.named("Issuer", "corridor-ca-issuer", JsonNode.class);
        assertThat(caIssuer.path("spec").path("ca").path("secretName").asText())
                .isEqualTo(ca.path("spec").path("secretName").asText());
        assertThat(caIssuer.path("spec").has("selfSigned")).isFalse();
        JsonNode serving = assertServingCertificate(chart);
        assertIssuedBy(serving, caIssuer);
        assertThat(serving.path("spec").has("isCA")).isFalse();

        // The webhook configuration trusts the CA, not the serving certificate that changes at each renewal.
        assertThat(chart.one("MutatingWebhookConfiguration", MutatingWebhookConfiguration.class)
                        .getMetadata()
                        .getAnnotations())
                .containsExactlyEntriesOf(
                        Map.of("cert-manager.io/inject-ca-from", RenderedChart.NAMESPACE + "/corridor-ca"));
        assertThat(chart.kinds())
                .filteredOn(kind -> kind.startsWith("Issuer/") || kind.startsWith("Certificate/"))
                .containsExactlyInAnyOrder(
                        "Issuer/corridor-selfsigned",
                        "Certificate/corridor-ca",
                        "Issuer/corridor-ca-issuer",
                        "Certificate/corridor-webhook");
    }

    private static void assertIssuedBy(JsonNode certificate, JsonNode issuer) {
        JsonNode issuerRef = certificate.path("spec").path("issuerRef");
        assertThat(issuerRef.path("name").asText())
                .isEqualTo(issuer.path("metadata").path("name").asText());
        assertThat(issuerRef.path("kind").asText())
                .isEqualTo(issuer.path("kind").asText());
        assertThat(issuerRef.path("group").asText()).isEqualTo("cert-manager.io");
        assertThat(certificate.path("metadata").path("namespace").asText())
                .isEqualTo(issuer.path("metadata").path("namespace").asText());
    }

    @Test
    void certManagerWithAnIssuerUsesItAndCreatesNone() {
        RenderedChart chart = RenderedChart.render(
                "corridor",
                "webhook: {certificates: {source: certManager, certManager: {issuerRef: {name: corporate-ca, kind: ClusterIssuer}}}}",
                scratch);

        assertThat(chart.has("Issuer")).isFalse();
        JsonNode certificate = assertServingCertificate(chart);
        JsonNode issuerRef = certificate.path("spec").path("issuerRef");
        assertThat(issuerRef.path("name").asText()).isEqualTo("corporate-ca");
        assertThat(issuerRef.path("kind").asText()).isEqualTo("ClusterIssuer");
        assertThat(issuerRef.path("group").asText()).isEqualTo("cert-manager.io");
        // The issuer's CA, as the ca.crt of the serving certificate's Secret.
        assertThat(chart.one("MutatingWebhookConfiguration", MutatingWebhookConfiguration.class)
                        .getMetadata()
                        .getAnnotations())
                .containsExactlyEntriesOf(Map.of(
                        "cert-manager.io/inject-ca-from",
                        RenderedChart.NAMESPACE + "/"
                                + certificate.path("metadata").path("name").asText()));
    }

    @Test
    void withCertManagerTheOperatorMayNeitherWriteSecretsNorTheWebhookConfiguration() {
        RenderedChart chart =
                RenderedChart.render("corridor", "webhook: {certificates: {source: certManager}}", scratch);

        // It still reads the webhook configuration: it is ready once the injected caBundle trusts its certificate.
        Set<Permission> expectedCluster = new HashSet<>(clusterPermissions("corridor"));
        expectedCluster.removeAll(
                permissions("admissionregistration.k8s.io", "mutatingwebhookconfigurations", "corridor", "update"));
        Set<Permission> expectedNamespace = new HashSet<>(namespacePermissions(
                "corridor-webhook-tls", "corridor-webhook-ca", "corridor-webhook", "corridor-operator"));
        expectedNamespace.removeAll(Stream.of(
                        permissions("", "secrets", null, "create"),
                        permissions("", "secrets", "corridor-webhook-tls", "get", "update"),
                        permissions("", "secrets", "corridor-webhook-ca", "get", "update"),
                        permissions("", "services", "corridor-webhook", "get"))
                .flatMap(Set::stream)
                .collect(Collectors.toSet()));
        assertThat(permissions(chart.one("ClusterRole", ClusterRole.class).getRules()))
                .containsExactlyInAnyOrderElementsOf(expectedCluster);
        assertThat(permissions(
                        chart.named("Role", "corridor-operator", Role.class).getRules()))
                .containsExactlyInAnyOrderElementsOf(expectedNamespace);
    }

    @Test
    void namespacedModeGrantsTheTunnelPermissionsByRolesInTheListedNamespacesAlone() {
        RenderedChart chart = RenderedChart.render("corridor", "watchNamespaces: [team-a, team-b]", scratch);

        assertThat(permissions(chart.one("ClusterRole", ClusterRole.class).getRules()))
                .containsExactlyInAnyOrderElementsOf(permissions(
                        "admissionregistration.k8s.io", "mutatingwebhookconfigurations", "corridor", "get", "update"));
        for (String namespace : List.of("team-a", "team-b")) {
            Role role = inNamespace(chart, "Role", namespace, Role.class);
            assertThat(role.getMetadata().getName()).isEqualTo("corridor-operator-tunnels");
            assertThat(permissions(role.getRules())).containsExactlyInAnyOrderElementsOf(tunnelPermissions());
            RoleBinding binding = inNamespace(chart, "RoleBinding", namespace, RoleBinding.class);
            assertThat(binding.getRoleRef().getName()).isEqualTo("corridor-operator-tunnels");
            assertThat(binding.getSubjects()).singleElement().satisfies(subject -> {
                assertThat(subject.getName()).isEqualTo("corridor-operator");
                assertThat(subject.getNamespace()).isEqualTo(RenderedChart.NAMESPACE);
            });
        }
        assertThat(permissions(inNamespace(chart, "Role", RenderedChart.NAMESPACE, Role.class)
                        .getRules()))
                .containsExactlyInAnyOrderElementsOf(namespacePermissions(
                        "corridor-webhook-tls", "corridor-webhook-ca", "corridor-webhook", "corridor-operator"));
        assertThat(chart.kinds()).filteredOn(kind -> kind.startsWith("Role/")).hasSize(4);

        // The operator watches what the Roles allow, and the webhook sees those namespaces' pods alone.
        Map<String, String> env = plainEnvironment(operatorContainer(chart));
        assertThat(env).containsEntry("CORRIDOR_WATCH_NAMESPACES", "team-a,team-b");
        Map<String, String> settings = new HashMap<>(env);
        settings.put("CORRIDOR_NAMESPACE", RenderedChart.NAMESPACE);
        assertThat(OperatorSettings.fromEnvironment(settings).watchNamespaces())
                .isEqualTo(new WatchedNamespaces(Set.of("team-a", "team-b")));
        assertThat(chart.one("MutatingWebhookConfiguration", MutatingWebhookConfiguration.class)
                        .getWebhooks()
                        .getFirst()
                        .getNamespaceSelector()
                        .getMatchExpressions())
                .containsExactly(
                        operatorAndKubeSystemExcluded(),
                        new LabelSelectorRequirement("kubernetes.io/metadata.name", "In", List.of("team-a", "team-b")));

        // With cert-manager, reading the webhook configuration is all that is left cluster-wide.
        RenderedChart certManager = RenderedChart.render(
                "corridor", "watchNamespaces: [team-a]\nwebhook: {certificates: {source: certManager}}", scratch);
        assertThat(permissions(certManager.one("ClusterRole", ClusterRole.class).getRules()))
                .containsExactlyInAnyOrderElementsOf(permissions(
                        "admissionregistration.k8s.io", "mutatingwebhookconfigurations", "corridor", "get"));
    }

    private static <T> T inNamespace(RenderedChart chart, String kind, String namespace, Class<T> type) {
        return chart.documents().stream()
                .filter(document -> kind.equals(document.path("kind").asText())
                        && namespace.equals(
                                document.path("metadata").path("namespace").asText()))
                .map(document -> RenderedChart.as(document, type))
                .findFirst()
                .orElseThrow(() -> new AssertionError(
                        "no " + kind + " in namespace " + namespace + ", the chart rendered " + chart.kinds()));
    }

    /** The serving Certificate and the Secret mounted where the operator reads it; the Certificate is returned. */
    private static JsonNode assertServingCertificate(RenderedChart chart) {
        JsonNode certificate = chart.named("Certificate", "corridor-webhook", JsonNode.class);
        Container operator = operatorContainer(chart);
        Map<String, String> env = plainEnvironment(operator);
        assertThat(env).containsEntry("CORRIDOR_WEBHOOK_CERTIFICATES", "files");
        String secret = env.get("CORRIDOR_WEBHOOK_SECRET");
        String service = env.get("CORRIDOR_WEBHOOK_SERVICE");
        String namespace = RenderedChart.NAMESPACE;

        assertThat(certificate.path("apiVersion").asText()).isEqualTo("cert-manager.io/v1");
        assertThat(certificate.path("metadata").path("namespace").asText()).isEqualTo(namespace);
        assertThat(certificate.path("spec").path("secretName").asText()).isEqualTo(secret);
        assertThat(certificate.path("spec").path("dnsNames"))
                .extracting(JsonNode::asText)
                .containsExactly(service + "." + namespace + ".svc", service + "." + namespace + ".svc.cluster.local");

        PodSpec pod = chart.one("Deployment", Deployment.class)
                .getSpec()
                .getTemplate()
                .getSpec();
        Volume tls = pod.getVolumes().stream()
                .filter(volume -> volume.getSecret() != null)
                .findFirst()
                .orElseThrow();
        assertThat(tls.getSecret().getSecretName()).isEqualTo(secret);
        assertThat(operator.getVolumeMounts()).anySatisfy(mount -> {
            assertThat(mount.getName()).isEqualTo(tls.getName());
            assertThat(mount.getMountPath()).isEqualTo(env.get("CORRIDOR_WEBHOOK_CERT_DIRECTORY"));
            assertThat(mount.getReadOnly()).isTrue();
        });

        MutatingWebhookConfiguration configuration =
                chart.one("MutatingWebhookConfiguration", MutatingWebhookConfiguration.class);
        assertThat(configuration.getWebhooks().getFirst().getClientConfig().getCaBundle())
                .isNull();
        return certificate;
    }

    private static LabelSelectorRequirement operatorAndKubeSystemExcluded() {
        return new LabelSelectorRequirement(
                "kubernetes.io/metadata.name", "NotIn", List.of(RenderedChart.NAMESPACE, "kube-system"));
    }

    private static void assertHttpsProbe(Probe probe, String path) {
        assertThat(probe.getHttpGet().getScheme()).isEqualTo("HTTPS");
        assertThat(probe.getHttpGet().getPath()).isEqualTo(path);
        assertThat(probe.getHttpGet().getPort().getStrVal()).isEqualTo("webhook");
    }

    private static Container operatorContainer(RenderedChart chart) {
        List<Container> containers = chart.one("Deployment", Deployment.class)
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers();
        assertThat(containers).hasSize(1);
        return containers.getFirst();
    }

    /** The variables with a literal value, in the order the Deployment lists them. */
    private static Map<String, String> plainEnvironment(Container container) {
        Map<String, String> env = new LinkedHashMap<>();
        container.getEnv().stream()
                .filter(variable -> variable.getValueFrom() == null)
                .forEach(variable -> env.put(variable.getName(), variable.getValue()));
        return env;
    }

    private static Map<String, String> ordered(String... keysAndValues) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    private static Set<Permission> permissions(String apiGroup, String resource, String resourceName, String... verbs) {
        return Stream.of(verbs)
                .map(verb -> new Permission(apiGroup, resource, resourceName, verb))
                .collect(Collectors.toSet());
    }

    /** Rules expanded to single permissions, so that how the chart groups them does not matter but every grant does. */
    private static List<Permission> permissions(List<PolicyRule> rules) {
        return rules.stream()
                .flatMap(rule -> {
                    assertThat(rule.getNonResourceURLs())
                            .as("non-resource URLs")
                            .isNullOrEmpty();
                    List<String> names = rule.getResourceNames() == null
                                    || rule.getResourceNames().isEmpty()
                            ? Collections.singletonList(null)
                            : rule.getResourceNames();
                    return rule.getApiGroups().stream()
                            .flatMap(group -> rule.getResources().stream()
                                    .flatMap(resource -> names.stream()
                                            .flatMap(name -> rule.getVerbs().stream()
                                                    .map(verb -> new Permission(group, resource, name, verb)))));
                })
                .toList();
    }
}
