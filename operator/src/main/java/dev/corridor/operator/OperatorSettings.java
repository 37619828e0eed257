package dev.corridor.operator;

import dev.corridor.operator.crd.TunnelDns;
import dev.corridor.operator.model.AllowedImages;
import dev.corridor.operator.model.ClusterDns;
import dev.corridor.operator.model.InjectionSettings;
import dev.corridor.operator.model.WatchedNamespaces;
import dev.corridor.operator.webhook.WebhookSettings;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The operator process's configuration, from the environment the Helm chart sets. A missing or malformed value
 * stops the operator at startup with a message naming the variable.
 *
 * @param namespace the operator's own namespace: the webhook's Secret and the leader-election lease live there
 * @param leaseName the lease that elects the one replica that reconciles (every replica serves the webhook)
 * @param metricsPort the plain-HTTP port of {@code /metrics}
 * @param watchNamespaces the namespaces whose VpnTunnels the operator serves
 * @param clusterDns the cluster's domain (which pods using a shared egress also keep out of the proxy, NO_PROXY), and the
 *                   DNS resolvers for the tunnels' forwarders when set (else the operator looks up the Service kube-system/kube-dns)
 */
public record OperatorSettings(
        String namespace,
        InjectionSettings injection,
        WebhookSettings webhook,
        String leaseName,
        int metricsPort,
        WatchedNamespaces watchNamespaces,
        ClusterDns clusterDns) {

    /** A DNS-1123 label, as namespace names are. */
    private static final Pattern NAMESPACE = Pattern.compile("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$");
    /** A DNS subdomain, a slash, and a name: what Kubernetes takes for an extended resource outside kubernetes.io. */
    private static final Pattern EXTENDED_RESOURCE = Pattern.compile(
            "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$");

    private static final Pattern DOMAIN = Pattern.compile(TunnelDns.DOMAIN);
    /** What the sidecar's --dns-upstream takes: an IPv4 address with an optional port, an IPv6 address, or [IPv6]:PORT. */
    private static final Pattern RESOLVER = Pattern.compile(
            "^(\\d{1,3}(\\.\\d{1,3}){3}(:\\d{1,5})?|[0-9a-fA-F:]*:[0-9a-fA-F:.]*|\\[[0-9a-fA-F:]*:[0-9a-fA-F:.]*]:\\d{1,5})$");

    static final String DEFAULT_SIDECAR_RESOURCES =
            "{\"requests\":{\"cpu\":\"50m\",\"memory\":\"128Mi\"},\"limits\":{\"memory\":\"192Mi\"}}";

    public static OperatorSettings fromEnvironment(Map<String, String> environment) {
        Environment env = new Environment(environment);
        InjectionSettings injection = new InjectionSettings(
                env.required("CORRIDOR_SIDECAR_IMAGE"),
                env.oneOf("CORRIDOR_SIDECAR_IMAGE_PULL_POLICY", "IfNotPresent", "Always", "IfNotPresent", "Never"),
                switch (env.oneOf("CORRIDOR_INJECTION_MODE", "native", "native", "classic")) {
                    case "native" -> InjectionSettings.Mode.NATIVE;
                    default -> InjectionSettings.Mode.CLASSIC;
                },
                switch (env.oneOf(
                        "CORRIDOR_TUN_DEVICE", "hostPath", "hostPath", "create", "devicePlugin", "privileged")) {
                    case "hostPath" -> InjectionSettings.TunDevice.HOST_PATH;
                    case "create" -> InjectionSettings.TunDevice.CREATE;
                    case "devicePlugin" -> InjectionSettings.TunDevice.DEVICE_PLUGIN;
                    default -> InjectionSettings.TunDevice.PRIVILEGED;
                },
                env.resources("CORRIDOR_SIDECAR_RESOURCES"),
                env.allowedImages("CORRIDOR_ALLOWED_SIDECAR_IMAGES"),
                env.resourceName("CORRIDOR_TUN_DEVICE_RESOURCE", InjectionSettings.DEFAULT_TUN_DEVICE_RESOURCE));
        WebhookSettings webhook = new WebhookSettings(
                env.port("CORRIDOR_WEBHOOK_PORT", 8443),
                switch (env.oneOf("CORRIDOR_WEBHOOK_CERTIFICATES", "generate", "generate", "files")) {
                    case "generate" -> WebhookSettings.CertificateSource.GENERATE;
                    default -> WebhookSettings.CertificateSource.FILES;
                },
                env.get("CORRIDOR_WEBHOOK_SECRET", "corridor-webhook-tls"),
                env.get("CORRIDOR_WEBHOOK_CA_SECRET", "corridor-webhook-ca"),
                env.get("CORRIDOR_WEBHOOK_SERVICE", "corridor-webhook"),
                env.get("CORRIDOR_WEBHOOK_CONFIGURATION", "corridor"),
                Path.of(env.get("CORRIDOR_WEBHOOK_CERT_DIRECTORY", "/etc/corridor/webhook-tls")));
        return new OperatorSettings(
                env.required("CORRIDOR_NAMESPACE"),
                injection,
                webhook,
                env.get("CORRIDOR_LEASE_NAME", "corridor-operator"),
                env.port("CORRIDOR_METRICS_PORT", 8080),
                env.namespaces("CORRIDOR_WATCH_NAMESPACES"),
                new ClusterDns(
                        env.domain("CORRIDOR_CLUSTER_DOMAIN", ClusterDns.DEFAULT_DOMAIN),
                        env.resolvers("CORRIDOR_DNS_UPSTREAM")));
    }

    /** Thrown for a missing or malformed variable; the message names it. */
    public static final class InvalidSettingException extends RuntimeException {
        InvalidSettingException(String message) {
            super(message);
        }
    }

    private record Environment(Map<String, String> values) {
        String get(String name, String fallback) {
            return Optional.ofNullable(values.get(name))
                    .filter(v -> !v.isBlank())
                    .orElse(fallback);
        }

        String required(String name) {
            String value = values.get(name);
            if (value == null || value.isBlank()) {
                throw new InvalidSettingException(name + " is not set");
            }
            return value;
        }

        String oneOf(String name, String fallback, String... allowed) {
            String value = get(name, fallback);
            for (String candidate : allowed) {
                if (candidate.toLowerCase(Locale.ROOT).equals(value.toLowerCase(Locale.ROOT))) {
                    return candidate;
                }
            }
            throw new InvalidSettingException(name + "=" + value + " is not one of " + String.join(", ", allowed));
        }

        int port(String name, int fallback) {
            String value = get(name, Integer.toString(fallback));
            try {
                int port = Integer.parseInt(value);
                if (port > 0 && port < 65536) {
                    return port;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new InvalidSettingException(name + "=" + value + " is not a port number");
        }

        /** A comma-separated list; empty or unset: none. */
        List<String> list(String name) {
            return Stream.of(get(name, "").split(","))
                    .map(String::strip)
                    .filter(item -> !item.isEmpty())
                    .toList();
        }

        /** Namespace names, comma-separated; empty or unset: all namespaces. */
        WatchedNamespaces namespaces(String name) {
            List<String> names = list(name);
            names.stream()
                    .filter(namespace -> !NAMESPACE.matcher(namespace).matches())
                    .findFirst()
                    .ifPresent(namespace -> {
                        throw new InvalidSettingException(name + ": '" + namespace + "' is not a namespace name");
                    });
            return new WatchedNamespaces(Set.copyOf(names));
        }

        String domain(String name, String fallback) {
            String value = get(name, fallback);
            if (value.length() > 253 || !DOMAIN.matcher(value).matches()) {
                throw new InvalidSettingException(name + "=" + value + " is not a domain name such as cluster.local");
            }
            return value;
        }

        /** DNS resolvers, comma-separated IP addresses with optional ports; empty or unset: none. */
        List<String> resolvers(String name) {
            List<String> resolvers = list(name);
            resolvers.stream()
                    .filter(resolver -> !RESOLVER.matcher(resolver).matches())
                    .findFirst()
                    .ifPresent(resolver -> {
                        throw new InvalidSettingException(name + ": '" + resolver
                                + "' is not an IP address with an optional port, such as 10.96.0.10 "
                                + "or 10.96.0.10:53");
                    });
            return resolvers;
        }

        AllowedImages allowedImages(String name) {
            try {
                return new AllowedImages(list(name));
            } catch (IllegalArgumentException e) {
                throw new InvalidSettingException(name + ": " + e.getMessage());
            }
        }

        /** An extended resource's name: a domain prefix and a name, as in squat.ai/tun. */
        String resourceName(String name, String fallback) {
            String value = get(name, fallback);
            if (!EXTENDED_RESOURCE.matcher(value).matches()) {
                throw new InvalidSettingException(
                        name + "=" + value + " is not an extended resource name such as " + fallback);
            }
            return value;
        }

        ResourceRequirements resources(String name) {
            String value = get(name, DEFAULT_SIDECAR_RESOURCES);
            try {
                return Serialization.unmarshal(value, ResourceRequirements.class);
            } catch (RuntimeException e) {
                throw new InvalidSettingException(
                        name + " is not the JSON of a ResourceRequirements: " + e.getMessage());
            }
        }
    }
}
