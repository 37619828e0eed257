package dev.corridor.operator.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.corridor.operator.crd.OneTimePassword;
import dev.corridor.operator.crd.TlsSecretReference;
import dev.corridor.operator.crd.TunnelDns;
import dev.corridor.operator.crd.VpnTunnel;
import dev.corridor.operator.crd.VpnTunnelSpec;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The sidecar's {@code --config} file for a tunnel: everything but the credentials, which stay in the user's
 * Secret and reach the sidecar as mounted files ({@code userFile}, {@code passwordFile}).
 */
public final class SidecarConfiguration {
    private static final YAMLMapper YAML =
            new YAMLMapper(new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER));

    private SidecarConfiguration() {}

    /** The ConfigMap the operator keeps for a tunnel, owned by it. */
    public static ConfigMap configMap(VpnTunnel tunnel, ClusterDns clusterDns) {
        return new ConfigMapBuilder()
                .withNewMetadata()
                .withName(SidecarLayout.configMapName(tunnel.getMetadata().getName()))
                .withNamespace(tunnel.getMetadata().getNamespace())
                .addToLabels(OwnedObjects.labels(tunnel))
                .endMetadata()
                .addToData(SidecarLayout.CONFIG_KEY, render(tunnel.getSpec(), clusterDns))
                .build();
    }

    /** The config file, in the sidecar's setting names. */
    public static String render(VpnTunnelSpec spec, ClusterDns clusterDns) {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("server", spec.gateway());
        VpnTunnelSpec.Authentication authentication = spec.authentication();
        if (authentication.secretRef() != null) {
            settings.put("userFile", SidecarLayout.CREDENTIALS_DIRECTORY + "/" + SidecarLayout.USERNAME_FILE);
            settings.put("passwordFile", SidecarLayout.CREDENTIALS_DIRECTORY + "/" + SidecarLayout.PASSWORD_FILE);
        }
        VpnTunnelSpec.Trust trust = spec.trust();
        if (trust != null
                && trust.pinnedPublicKeys() != null
                && !trust.pinnedPublicKeys().isEmpty()) {
            settings.put("serverCert", trust.pinnedPublicKeys());
        }
        if (trust != null && trust.ca() != null) {
            settings.put("cafile", SidecarLayout.CA_DIRECTORY + "/" + SidecarLayout.CA_FILE);
        }
        if (authentication.authGroup() != null) {
            settings.put("authgroup", authentication.authGroup());
        }
        authentication(authentication, settings);
        settings.put("interface", "vpn0");
        settings.put("dtls", spec.dtls() == null || spec.dtls());
        if (spec.mtu() != null) {
            settings.put("baseMtu", spec.mtu());
        }
        settings.put("httpAddress", "0.0.0.0:" + SidecarLayout.DEFAULT_HTTP_PORT);
        settings.put("statusTokenFile", SidecarLayout.STATUS_TOKEN_DIRECTORY + "/" + SidecarLayout.STATUS_TOKEN_KEY);
        if (TunnelDns.enabled(spec.dns())) {
            settings.put("dnsListen", SidecarLayout.DNS_ADDRESS + ":" + SidecarLayout.DNS_PORT);
            // The pod's resolv.conf names only the forwarder: its upstream must be given.
            putList(settings, "dnsUpstream", clusterDns.upstream());
            settings.put("clusterDomain", clusterDns.domain());
            putList(
                    settings,
                    "dnsDomain",
                    spec.dns() == null ? null : spec.dns().domains());
            if (spec.dns() != null && Boolean.TRUE.equals(spec.dns().allThroughTunnel())) {
                settings.put("dnsAllThroughTunnel", true);
            }
        }
        VpnTunnelSpec.Routes routes = spec.routes();
        if (routes != null) {
            settings.put("allowDefaultRoute", Boolean.TRUE.equals(routes.allowDefaultRoute()));
            putList(settings, "route", routes.include());
            putList(settings, "excludeRoute", routes.exclude());
            putList(settings, "neverRoute", routes.neverRoute());
        }
        // A restarting sidecar keeps dropping the tunnel's networks, so the pod never sends them around the tunnel.
        settings.put("failClosed", true);
        VpnTunnelSpec.Reconnect reconnect = spec.reconnect();
        if (reconnect != null) {
            putIfSet(settings, "reconnectTimeout", reconnect.timeoutSeconds());
            putIfSet(settings, "reconnectMinDelay", reconnect.minDelaySeconds());
            putIfSet(settings, "reconnectMaxDelay", reconnect.maxDelaySeconds());
        }
        settings.put(
                "logLevel",
                spec.sidecar() != null && spec.sidecar().logLevel() != null
                        ? spec.sidecar().logLevel()
                        : "info");
        try {
            return "# Rendered by the Corridor operator from the VpnTunnel; edits are overwritten.\n"
                    + YAML.writeValueAsString(settings);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a map of strings, numbers and lists always renders", e);
        }
    }

    /** The login beyond user name and password: one-time codes, certificates, a cookie, form answers; files where the webhook mounts them. */
    private static void authentication(VpnTunnelSpec.Authentication authentication, Map<String, Object> settings) {
        if (authentication.totp() != null) {
            settings.put(
                    "tokenMode",
                    authentication.totp().mode() == null
                            ? OneTimePassword.TOTP
                            : authentication.totp().mode());
            settings.put("tokenSecretFile", SidecarLayout.TOKEN_DIRECTORY + "/" + SidecarLayout.TOKEN_SEED_FILE);
        }
        if (authentication.clientCertificate() != null) {
            settings.put(
                    "certificate",
                    SidecarLayout.CLIENT_CERTIFICATE_DIRECTORY + "/" + TlsSecretReference.CERTIFICATE_KEY);
            settings.put(
                    "sslkey", SidecarLayout.CLIENT_CERTIFICATE_DIRECTORY + "/" + TlsSecretReference.PRIVATE_KEY_KEY);
        }
        if (authentication.mcaCertificate() != null) {
            settings.put(
                    "mcaCertificate",
                    SidecarLayout.MCA_CERTIFICATE_DIRECTORY + "/" + TlsSecretReference.CERTIFICATE_KEY);
            settings.put("mcaKey", SidecarLayout.MCA_CERTIFICATE_DIRECTORY + "/" + TlsSecretReference.PRIVATE_KEY_KEY);
        }
        if (authentication.cookieSecretRef() != null) {
            settings.put("cookieFile", SidecarLayout.COOKIE_DIRECTORY + "/" + SidecarLayout.COOKIE_FILE);
        }
        if (authentication.formEntries() != null
                && !authentication.formEntries().isEmpty()) {
            settings.put(
                    "formEntry",
                    authentication.formEntries().stream()
                            .map(entry -> entry.form() + ":" + entry.field() + "=" + entry.value())
                            .toList());
        }
    }

    private static void putList(Map<String, Object> settings, String key, List<String> values) {
        if (values != null && !values.isEmpty()) {
            settings.put(key, values);
        }
    }

    private static void putIfSet(Map<String, Object> settings, String key, Integer value) {
        if (value != null) {
            settings.put(key, value);
        }
    }
}
