package dev.corridor.sidecar.testing;

import java.io.IOException;
import java.util.List;

/** Counters from /proc/net/snmp inside a namespace, e.g. TCP's RetransSegs. */
public final class Snmp {
    private Snmp() {}

    /** The value of {@code counter} in the {@code protocol} lines ("Tcp", "Udp") of the namespace's /proc/net/snmp. */
    public static long counter(String namespace, String protocol, String counter)
            throws IOException, InterruptedException {
        List<String> lines = Commands.run("ip", "netns", "exec", namespace, "cat", "/proc/net/snmp")
                .lines()
                .filter(line -> line.startsWith(protocol + ":"))
                .toList();
        List<String> names = List.of(lines.get(0).split("\\s+"));
        String[] values = lines.get(1).split("\\s+");
        int index = names.indexOf(counter);
        if (index < 0) {
            throw new IllegalArgumentException("no " + protocol + " counter " + counter + " in /proc/net/snmp");
        }
        return Long.parseLong(values[index]);
    }
}
