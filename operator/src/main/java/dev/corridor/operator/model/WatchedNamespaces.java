package dev.corridor.operator.model;

import java.util.Set;
import java.util.TreeSet;

/**
 * The namespaces whose VpnTunnels the operator serves: all of them, or only those listed (the chart's namespaced mode,
 * where its permissions are Roles in those namespaces alone).
 *
 * @param names the namespaces; empty: all
 */
public record WatchedNamespaces(Set<String> names) {
    public static final WatchedNamespaces ALL = new WatchedNamespaces(Set.of());

    public WatchedNamespaces {
        names = Set.copyOf(names);
    }

    public boolean all() {
        return names.isEmpty();
    }

    public boolean includes(String namespace) {
        return all() || names.contains(namespace);
    }

    @Override
    public String toString() {
        return all() ? "all namespaces" : String.join(", ", new TreeSet<>(names));
    }
}
