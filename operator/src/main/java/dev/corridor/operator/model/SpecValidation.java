package dev.corridor.operator.model;

import dev.corridor.operator.crd.FormEntry;
import dev.corridor.operator.crd.TunnelDns;
import dev.corridor.operator.crd.VpnTunnelSpec;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks a tunnel's spec and what it refers to, beyond what the CRD's schema already enforces (an operator may
 * also meet objects created before a schema change). Pure: the reconciler looks the references up and passes in
 * which keys exist.
 */
public final class SpecValidation {
    private static final Pattern PIN = Pattern.compile("^pin-sha256:[A-Za-z0-9+/]{43}=$");
    private static final Pattern IPV4 =
            Pattern.compile("^(25[0-5]|2[0-4]\\d|1?\\d?\\d)(\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)){3}$");
    private static final Pattern DOMAIN = Pattern.compile(TunnelDns.DOMAIN);
    private static final Pattern FORM_NAME = Pattern.compile(FormEntry.NAME);
    private static final Set<String> TOKEN_MODES = Set.of("totp", "hotp");
    private static final Pattern IPV6 = Pattern.compile("^[0-9a-fA-F:]*:[0-9a-fA-F:.]*$");
    private static final Pattern PREFIX_LENGTH = Pattern.compile("^\\d{1,3}$");

    private SpecValidation() {}

    /** Something wrong with a tunnel, for the ConfigValid condition: a CamelCase reason and a message naming the field. */
    public record Problem(String reason, String message) {}

    /**
     * @param secretKeys the keys of the credentials Secret, or empty when it does not exist
     * @param caKeys     the keys of the CA's Secret or ConfigMap, or empty when it does not exist (ignored without a CA)
     */
    public static List<Problem> validate(
            VpnTunnelSpec spec, Optional<Set<String>> secretKeys, Optional<Set<String>> caKeys) {
        List<Problem> problems = new ArrayList<>();
        gateway(spec.gateway(), problems);
        VpnTunnelSpec.Authentication authentication = spec.authentication();
        VpnTunnelSpec.SecretReference secret = authentication == null ? null : authentication.secretRef();
        if (secret == null) {
            if (authentication == null
                    || (authentication.clientCertificate() == null && authentication.cookieSecretRef() == null)) {
                problems.add(new Problem(
                        "CredentialsMissing",
                        "spec.authentication needs secretRef (user name and password), "
                                + "clientCertificate or cookieSecretRef"));
            }
        } else if (secret.name() == null) {
            problems.add(new Problem("CredentialsMissing", "spec.authentication.secretRef.name is required"));
        } else if (secretKeys.isEmpty()) {
            problems.add(new Problem(
                    "SecretNotFound", "Secret '" + secret.name() + "' (spec.authentication.secretRef) does not exist"));
        } else {
            for (String key :
                    List.of(orDefault(secret.usernameKey(), "username"), orDefault(secret.passwordKey(), "password"))) {
                if (!secretKeys.get().contains(key)) {
                    problems.add(new Problem(
                            "SecretKeyMissing",
                            "Secret '" + secret.name() + "' has no key '" + key
                                    + "' (spec.authentication.secretRef); it has "
                                    + String.join(
                                            ", ",
                                            secretKeys.get().stream().sorted().toList())));
                }
            }
        }
        authentication(authentication, problems);
        trust(spec.trust(), caKeys, problems);
        routes(spec.routes(), problems);
        dns(spec.dns(), problems);
        VpnTunnelSpec.Reconnect reconnect = spec.reconnect();
        if (reconnect != null
                && reconnect.minDelaySeconds() != null
                && reconnect.maxDelaySeconds() != null
                && reconnect.maxDelaySeconds() < reconnect.minDelaySeconds()) {
            problems.add(new Problem(
                    "InvalidReconnect",
                    "spec.reconnect.maxDelaySeconds (" + reconnect.maxDelaySeconds()
                            + ") is less than minDelaySeconds (" + reconnect.minDelaySeconds() + ")"));
        }
        return problems;
    }

    private static void gateway(String gateway, List<Problem> problems) {
        if (gateway == null) {
            problems.add(new Problem("InvalidGateway", "spec.gateway is required"));
            return;
        }
        try {
            URI uri = new URI(gateway);
            if (!"https".equals(uri.getScheme()) || uri.getHost() == null) {
                problems.add(new Problem(
                        "InvalidGateway", "spec.gateway '" + gateway + "' must be https://HOST[:PORT][/PATH]"));
            }
        } catch (URISyntaxException e) {
            problems.add(
                    new Problem("InvalidGateway", "spec.gateway '" + gateway + "' is not a URL: " + e.getReason()));
        }
    }

    private static void trust(VpnTunnelSpec.Trust trust, Optional<Set<String>> caKeys, List<Problem> problems) {
        if (trust == null) {
            return;
        }
        for (String pin : trust.pinnedPublicKeys() == null ? List.<String>of() : trust.pinnedPublicKeys()) {
            if (!PIN.matcher(pin).matches()) {
                problems.add(new Problem(
                        "InvalidPin", "spec.trust.pinnedPublicKeys: '" + pin + "' is not pin-sha256:BASE64"));
            }
        }
        VpnTunnelSpec.CaReference ca = trust.ca();
        if (ca == null) {
            return;
        }
        if ((ca.secret() == null) == (ca.configMap() == null)) {
            problems.add(new Problem("InvalidCa", "spec.trust.ca takes exactly one of secret or configMap"));
            return;
        }
        VpnTunnelSpec.KeyReference reference = ca.secret() != null ? ca.secret() : ca.configMap();
        String kind = ca.secret() != null ? "Secret" : "ConfigMap";
        String key = orDefault(reference.key(), "ca.crt");
        if (caKeys.isEmpty()) {
            problems.add(
                    new Problem("CaNotFound", kind + " '" + reference.name() + "' (spec.trust.ca) does not exist"));
        } else if (!caKeys.get().contains(key)) {
            problems.add(new Problem(
                    "CaKeyMissing", kind + " '" + reference.name() + "' has no key '" + key + "' (spec.trust.ca)"));
        }
    }

    private static void routes(VpnTunnelSpec.Routes routes, List<Problem> problems) {
        if (routes == null) {
            return;
        }
        cidrs("spec.routes.include", routes.include(), problems);
        cidrs("spec.routes.exclude", routes.exclude(), problems);
        cidrs("spec.routes.neverRoute", routes.neverRoute(), problems);
        if (Boolean.TRUE.equals(routes.allowDefaultRoute())
                && (routes.neverRoute() == null || routes.neverRoute().isEmpty())) {
            problems.add(new Problem(
                    "UnsafeDefaultRoute",
                    "spec.routes.allowDefaultRoute needs spec.routes.neverRoute "
                            + "(the cluster's pod and service CIDRs), or the pods lose their cluster network"));
        }
    }

    /** What the schema says of spec.authentication's other ways to log in, for objects that predate it. */
    private static void authentication(VpnTunnelSpec.Authentication authentication, List<Problem> problems) {
        if (authentication == null) {
            return;
        }
        if (authentication.mcaCertificate() != null && authentication.clientCertificate() == null) {
            problems.add(new Problem(
                    "InvalidAuthentication",
                    "spec.authentication.mcaCertificate (the user's certificate) goes with "
                            + "clientCertificate (the machine's)"));
        }
        if (authentication.cookieSecretRef() != null
                && (authentication.secretRef() != null || authentication.totp() != null)) {
            problems.add(new Problem(
                    "InvalidAuthentication",
                    "spec.authentication.cookieSecretRef replaces the login: it takes neither "
                            + "secretRef nor totp"));
        }
        if (authentication.totp() != null
                && authentication.totp().mode() != null
                && !TOKEN_MODES.contains(authentication.totp().mode())) {
            problems.add(new Problem(
                    "InvalidAuthentication",
                    "spec.authentication.totp.mode is '" + authentication.totp().mode() + "'; it takes totp or hotp"));
        }
        for (FormEntry entry :
                authentication.formEntries() == null ? List.<FormEntry>of() : authentication.formEntries()) {
            if (entry.form() == null
                    || entry.field() == null
                    || entry.value() == null
                    || !FORM_NAME.matcher(entry.form()).matches()
                    || !FORM_NAME.matcher(entry.field()).matches()) {
                problems.add(new Problem(
                        "InvalidFormEntry",
                        "spec.authentication.formEntries: each names a form and a field (letters, digits, "
                                + "'.', '_', '-') and gives a value; '" + entry.form() + ":" + entry.field()
                                + "' does not"));
            }
        }
    }

    private static void dns(TunnelDns dns, List<Problem> problems) {
        for (String domain : dns == null || dns.domains() == null ? List.<String>of() : dns.domains()) {
            if (domain.length() > 253 || !DOMAIN.matcher(domain).matches()) {
                problems.add(new Problem(
                        "InvalidDnsDomain",
                        "spec.dns.domains: '" + domain + "' is not a domain name such as corp.example.com"));
            }
        }
    }

    /**
     * A CIDR with an IP literal and a prefix length its family allows, as the sidecar parses it: the text has the
     * shape of a dotted quad or of an IPv6 literal, and the JDK's literal parser (never DNS) accepts it. The CRD's
     * pattern is only a coarse bound on the characters.
     */
    static boolean isCidr(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            return false;
        }
        String literal = text.substring(0, slash);
        String prefix = text.substring(slash + 1);
        if ((!IPV4.matcher(literal).matches() && !IPV6.matcher(literal).matches())
                || !PREFIX_LENGTH.matcher(prefix).matches()) {
            return false;
        }
        try {
            return Integer.parseInt(prefix) <= InetAddress.ofLiteral(literal).getAddress().length * 8;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static void cidrs(String field, List<String> values, List<Problem> problems) {
        for (String value : values == null ? List.<String>of() : values) {
            if (!isCidr(value)) {
                problems.add(
                        new Problem("InvalidRoute", field + ": '" + value + "' is not a CIDR such as 10.30.0.0/16"));
            }
        }
    }

    private static String orDefault(String value, String fallback) {
        return value == null ? fallback : value;
    }
}
