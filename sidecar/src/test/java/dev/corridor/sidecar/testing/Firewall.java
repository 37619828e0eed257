package dev.corridor.sidecar.testing;

import java.io.IOException;
import java.util.List;

/**
 * nftables rules in a namespace, for faults on the path: drop (or otherwise treat) what matches, until closed.
 * Each instance owns one table, so closing it removes exactly its rules.
 */
public final class Firewall implements AutoCloseable {
    private final String namespace;
    private final String table;

    private Firewall(String namespace, String table) {
        this.namespace = namespace;
        this.table = table;
    }

    /**
     * Applies {@code rule} (e.g. {@code "tcp dport 443 drop"} or {@code "udp dport 443 drop"}) to packets the
     * namespace receives.
     */
    public static Firewall onInput(String namespace, String table, String rule)
            throws IOException, InterruptedException {
        Commands.run(
                "ip",
                "netns",
                "exec",
                namespace,
                "nft",
                "add table inet " + table + " { chain input { type filter hook input priority 0; " + rule + "; }; }");
        return new Firewall(namespace, table);
    }

    @Override
    public void close() throws IOException, InterruptedException {
        Commands.runAllowingFailure(List.of("ip", "netns", "exec", namespace, "nft", "delete", "table", "inet", table));
    }
}
