package dev.corridor.operator.crd;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A VPN tunnel that annotated pods get: where the gateway is, how to trust and log in to it, which routes go
 * through it, and how the sidecar runs. The CRD in {@code crds/} is generated from this class.
 */
@Group(VpnTunnel.GROUP)
@Version(VpnTunnel.VERSION)
@ShortNames("vpnt")
@AdditionalPrinterColumn(name = "Gateway", type = AdditionalPrinterColumn.Type.STRING, jsonPath = ".spec.gateway")
@AdditionalPrinterColumn(
        name = "Connected",
        type = AdditionalPrinterColumn.Type.INTEGER,
        jsonPath = ".status.connectedPods")
@AdditionalPrinterColumn(
        name = "Injected",
        type = AdditionalPrinterColumn.Type.INTEGER,
        jsonPath = ".status.injectedPods")
@AdditionalPrinterColumn(
        name = "Ready",
        type = AdditionalPrinterColumn.Type.STRING,
        jsonPath = ".status.conditions[?(@.type==\"Ready\")].status")
@AdditionalPrinterColumn(
        name = "Egress-Ready",
        type = AdditionalPrinterColumn.Type.INTEGER,
        jsonPath = ".status.egress.readyReplicas")
@AdditionalPrinterColumn(
        name = "Sessions",
        type = AdditionalPrinterColumn.Type.STRING,
        jsonPath = ".status.egress.sessions")
@AdditionalPrinterColumn(
        name = "Services",
        type = AdditionalPrinterColumn.Type.STRING,
        jsonPath = ".status.egress.services",
        priority = 1)
@AdditionalPrinterColumn(name = "DNS", type = AdditionalPrinterColumn.Type.STRING, jsonPath = ".status.dnsDomains")
@AdditionalPrinterColumn(
        name = "Age",
        type = AdditionalPrinterColumn.Type.DATE,
        jsonPath = ".metadata.creationTimestamp")
// Every pod that carries the tunnel has its name as a label value, which takes at most 63 characters.
@ValidationRule(
        value = "size(self.metadata.name) <= " + SchemaBounds.LABEL_VALUE_LENGTH,
        message =
                "a VpnTunnel's name is at most 63 characters: pods carry it as the value of the label corridor.dev/tunnel")
public class VpnTunnel extends CustomResource<VpnTunnelSpec, VpnTunnelStatus> implements Namespaced {
    public static final String GROUP = "corridor.dev";
    public static final String VERSION = "v1alpha1";
}
