package dev.corridor.operator.crd;

import static dev.corridor.operator.crd.SchemaBounds.*;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import java.util.List;

/** What a VpnTunnel asks for. Absent optional fields take the defaults the schema declares. */
public record VpnTunnelSpec(
        @Required
        @Pattern("^https://[^\\s/?#]+(/[^\\s?#]*)?$")
        @Size(max = URL_LENGTH)
        @JsonPropertyDescription("The gateway's URL: https://HOST[:PORT][/PATH].")
        String gateway,

        @JsonPropertyDescription(
                "How to trust the gateway's certificate. Without pins or a CA, the sidecar image's trust store decides.")
        Trust trust,

        @Required @JsonPropertyDescription("How to log in.") Authentication authentication,

        @JsonPropertyDescription("What the configuration adds to the routes the gateway sends.")
        Routes routes,

        @Min(1280)
        @Max(9000)
        @JsonPropertyDescription(
                "The MTU of the pod's link to the gateway (the sidecar's --base-mtu); the default takes it from the route to the gateway.")
        Integer mtu,

        @Default("true")
        @JsonPropertyDescription(
                "Carry data over DTLS (UDP) when the gateway allows it; false keeps it on the TLS channel.")
        Boolean dtls,

        @JsonPropertyDescription("How the sidecar runs.") Sidecar sidecar,

        @JsonPropertyDescription("How a lost session is re-established.")
        Reconnect reconnect,

        @JsonPropertyDescription("A shared egress for pods that carry no tunnel of their own.")
        Egress egress,

        @JsonPropertyDescription(
                "Split DNS in the pods: corporate names through the tunnel, cluster names from the cluster's DNS.")
        TunnelDns dns) {

    /** A spec without spec.egress and spec.dns: their defaults apply. */
    public VpnTunnelSpec(
            String gateway,
            Trust trust,
            Authentication authentication,
            Routes routes,
            Integer mtu,
            Boolean dtls,
            Sidecar sidecar,
            Reconnect reconnect) {
        this(gateway, trust, authentication, routes, mtu, dtls, sidecar, reconnect, null, null);
    }

    /**
     * Pins and/or a CA; a certificate matching a pin or chaining to the CA is accepted. Rules sit on the class: on a
     * record component the generator would see them twice, on the field and on its accessor.
     */
    @ValidationRule(
            value = "!has(self.ca) || (has(self.ca.secret) != has(self.ca.configMap))",
            message = "trust.ca takes exactly one of secret or configMap")
    public record Trust(
            @Size(max = 16)
            @JsonPropertyDescription(
                    "openconnect-style pins of the gateway certificate's public key: pin-sha256:BASE64.")
            List<@Pattern(PIN) @Size(max = PIN_LENGTH) String> pinnedPublicKeys,

            @JsonPropertyDescription(
                    "A CA certificate (PEM) to trust, from a Secret or a ConfigMap in the tunnel's namespace.")
            CaReference ca) {}

    public record CaReference(KeyReference secret, KeyReference configMap) {}

    public record KeyReference(
            @Required @Pattern(OBJECT_NAME) @Size(max = OBJECT_NAME_LENGTH)
            String name,

            @Default("ca.crt") @Pattern(KEY) @Size(max = KEY_LENGTH)
            String key) {}

    @ValidationRule(
            value = "has(self.secretRef) || has(self.clientCertificate) || has(self.cookieSecretRef)",
            message = "authentication needs secretRef (user name and password), clientCertificate or cookieSecretRef")
    @ValidationRule(
            value = "!has(self.mcaCertificate) || has(self.clientCertificate)",
            message = "mcaCertificate (the user's) goes with clientCertificate (the machine's)")
    @ValidationRule(
            value = "!has(self.cookieSecretRef) || (!has(self.secretRef) && !has(self.totp))",
            message = "cookieSecretRef replaces the login: it takes neither secretRef nor totp")
    public record Authentication(
            @JsonPropertyDescription(
                    "The Secret, in the tunnel's namespace, that holds the user name and password; optional for "
                            + "a certificate-only login or a session cookie.")
            SecretReference secretRef,

            @Size(max = AUTH_GROUP_LENGTH)
            @JsonPropertyDescription(
                    "The login group to choose when the gateway offers several (openconnect's --authgroup).")
            String authGroup,

            @JsonPropertyDescription(
                    "Answer the second-factor prompt with generated one-time codes from a seed in a Secret.")
            OneTimePassword totp,

            @JsonPropertyDescription(
                    "Present this client certificate (a kubernetes.io/tls Secret, which cert-manager can issue); "
                            + "alone or with secretRef.")
            TlsSecretReference clientCertificate,

            @JsonPropertyDescription(
                    "The user certificate of ASA multiple-certificate authentication (a kubernetes.io/tls Secret); "
                            + "clientCertificate is then the machine's.")
            TlsSecretReference mcaCertificate,

            @JsonPropertyDescription(
                    "A session cookie (from 'corridor-sidecar authenticate' or openconnect --authenticate, e.g. after "
                            + "a single sign-on) in a Secret key: the tunnel opens with it, without a login; once the gateway refuses it, the "
                            + "sidecar waits for the Secret to change.")
            SecretKeyReference cookieSecretRef,

            @Size(max = 16)
            @JsonPropertyDescription(
                    "Fixed answers to login form fields (openconnect's --form-entry), stored in the ConfigMap: never secrets.")
            List<FormEntry> formEntries) {

        /** Credentials alone, as before the other ways to log in. */
        public Authentication(SecretReference secretRef, String authGroup) {
            this(secretRef, authGroup, null, null, null, null, null);
        }
    }

    public record SecretReference(
            @Required @Pattern(OBJECT_NAME) @Size(max = OBJECT_NAME_LENGTH)
            String name,

            @Default("username") @Pattern(KEY) @Size(max = KEY_LENGTH)
            String usernameKey,

            @Default("password")
            @Pattern(KEY)
            @Size(max = KEY_LENGTH)
            @JsonPropertyDescription(
                    "The key of the password; further lines answer further password prompts (a second factor).")
            String passwordKey) {}

    @ValidationRule(
            value =
                    "!has(self.allowDefaultRoute) || !self.allowDefaultRoute || (has(self.neverRoute) && size(self.neverRoute) > 0)",
            message =
                    "allowDefaultRoute needs neverRoute (the cluster's pod and service CIDRs), or the pods lose their cluster network")
    public record Routes(
            @Size(max = 64) @JsonPropertyDescription("More networks to send through the tunnel.")
            List<@Pattern(CIDR) @Size(max = CIDR_LENGTH) String> include,

            @Size(max = 64) @JsonPropertyDescription("More networks to keep out of the tunnel.")
            List<@Pattern(CIDR) @Size(max = CIDR_LENGTH) String> exclude,

            @Default("false")
            @JsonPropertyDescription("Let the tunnel take all traffic when the gateway sends no split-include routes.")
            Boolean allowDefaultRoute,

            @Size(max = 16)
            @JsonPropertyDescription("The cluster's pod, service and node CIDRs: never sent through the tunnel.")
            List<@Pattern(CIDR) @Size(max = CIDR_LENGTH) String> neverRoute) {}

    public record Sidecar(
            @Size(max = IMAGE_LENGTH)
            @JsonPropertyDescription(
                    "The sidecar image; the operator's default when absent. Pin it per tunnel to roll out image changes one tunnel at a time.")
            String image,

            @Pattern("^(Always|IfNotPresent|Never)$") @Size(max = 12)
            String imagePullPolicy,

            @SchemaFrom(type = SidecarResourcesSchema.class)
            @JsonPropertyDescription(
                    "Resources of the sidecar container (limits and requests); the operator's defaults when absent.")
            ResourceRequirements resources,

            @Default("info") @Pattern("^(error|warn|info|debug)$") @Size(max = 5)
            String logLevel,

            @JsonPropertyDescription(
                    "Whether the sidecar's readiness counts toward the pod's Ready condition; gating with tolerant thresholds when absent.")
            SidecarReadiness readiness,

            @Size(max = 8)
            @JsonPropertyDescription(
                    "Secrets, in the pod's namespace, for pulling the sidecar image; added to the pod's own.")
            List<ImagePullSecret> imagePullSecrets) {}

    @ValidationRule(
            value =
                    "!has(self.minDelaySeconds) || !has(self.maxDelaySeconds) || self.maxDelaySeconds >= self.minDelaySeconds",
            message = "maxDelaySeconds must be at least minDelaySeconds")
    public record Reconnect(
            @Min(0)
            @Max(86400)
            @JsonPropertyDescription("Give up after this long without a session; 0 never gives up (the default).")
            Integer timeoutSeconds,

            @Min(1)
            @Max(86400)
            @JsonPropertyDescription(
                    "First pause before reconnecting, doubled with jitter after each failure (default 1).")
            Integer minDelaySeconds,

            @Min(1) @Max(86400) @JsonPropertyDescription("Longest pause between attempts (default 60).")
            Integer maxDelaySeconds) {}
}
