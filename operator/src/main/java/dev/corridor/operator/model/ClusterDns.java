package dev.corridor.operator.model;

import java.util.List;

/**
 * The cluster's DNS as the tunnels' DNS forwarders use it: its domain (the pods' search path ends in it, and its names
 * always go to the cluster) and its resolvers, the forwarders' upstream.
 *
 * @param domain   the cluster's domain, {@code cluster.local} unless the cluster was set up otherwise
 * @param upstream the cluster DNS Service's addresses, IP or IP:PORT; empty when neither the settings nor the cluster
 *                 told the operator
 */
public record ClusterDns(String domain, List<String> upstream) {
    public static final String DEFAULT_DOMAIN = "cluster.local";
    /** Where kubeadm and most distributions put the cluster DNS Service. */
    public static final String SERVICE_NAMESPACE = "kube-system";

    public static final String SERVICE_NAME = "kube-dns";

    public ClusterDns {
        upstream = List.copyOf(upstream);
    }

    public boolean known() {
        return !upstream.isEmpty();
    }

    /**
     * The search path kubelet writes for a ClusterFirst pod in this namespace: the namespace's services, all services,
     * the cluster.
     */
    public List<String> searches(String namespace) {
        return List.of(namespace + ".svc." + domain, "svc." + domain, domain);
    }
}
