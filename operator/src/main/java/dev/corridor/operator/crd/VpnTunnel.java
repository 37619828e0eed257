package dev.corridor.operator.crd;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
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
@AdditionalPrinterColumn(name = "Connected", type = AdditionalPrinterColumn.Type.INTEGER, jsonPath = ".status.connectedPods")
@AdditionalPrinterColumn(name = "Injected", type = AdditionalPrinterColumn.Type.INTEGER, jsonPath = ".status.injectedPods")
@AdditionalPrinterColumn(name = "Ready", type = AdditionalPrinterColumn.Type.STRING,
        jsonPath = ".status.conditions[?(@.type==\"Ready\")].status")
@AdditionalPrinterColumn(name = "DNS", type = AdditionalPrinterColumn.Type.STRING, jsonPath = ".status.dnsDomains")
@AdditionalPrinterColumn(name = "Age", type = AdditionalPrinterColumn.Type.DATE, jsonPath = ".metadata.creationTimestamp")
public class VpnTunnel extends CustomResource<VpnTunnelSpec, VpnTunnelStatus> implements Namespaced {
    public static final String GROUP = "corridor.dev";
    public static final String VERSION = "v1alpha1";
}
