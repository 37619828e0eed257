package dev.corridor.sidecar.hostile;

import dev.corridor.sidecar.net.Ip;
import dev.corridor.sidecar.testing.Commands;
import dev.corridor.sidecar.testing.NetworkNamespace;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Two network namespaces joined by a veth pair, for a scripted gateway: the gateway side (192.0.2.1, where the
 * gateway listens on 443) and the pod side (192.0.2.2, the sidecar, its tun device and routes, its nameserver the
 * gateway side's address). Neither has a route out of the machine.
 */
record ScriptedLab(NetworkNamespace gatewaySide, NetworkNamespace podSide) implements AutoCloseable {
    static final InetAddress GATEWAY = Ip.parseAddress("192.0.2.1");

    /** @param prefix a few letters naming the test class's namespaces ({@code corh}: corh-gw, corh-pod) */
    static ScriptedLab create(String prefix) throws Exception {
        NetworkNamespace gatewaySide = NetworkNamespace.create(prefix + "-gw");
        NetworkNamespace podSide = NetworkNamespace.create(prefix + "-pod");
        Commands.run(
                "ip",
                "link",
                "add",
                "hv-pod",
                "netns",
                podSide.name(),
                "type",
                "veth",
                "peer",
                "name",
                "hv-gw",
                "netns",
                gatewaySide.name());
        gatewaySide.exec("ip", "addr", "add", GATEWAY.getHostAddress() + "/24", "dev", "hv-gw");
        gatewaySide.exec("ip", "link", "set", "hv-gw", "up");
        // No IPv6 in the pod: the kernel's own IPv6 chatter on vpn0 would add to the drop counts the tests read.
        podSide.exec("sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1");
        podSide.exec("ip", "addr", "add", "192.0.2.2/24", "dev", "hv-pod");
        podSide.exec("ip", "link", "set", "hv-pod", "up");
        podSide.exec("ip", "route", "add", "default", "via", GATEWAY.getHostAddress());
        // 'ip netns exec' puts this file over /etc/resolv.conf: the sidecar's DNS queries stay in the lab.
        Path resolvConf = Path.of("/etc/netns", podSide.name(), "resolv.conf");
        Files.createDirectories(resolvConf.getParent());
        Files.writeString(resolvConf, "nameserver " + GATEWAY.getHostAddress() + "\n");
        return new ScriptedLab(gatewaySide, podSide);
    }

    @Override
    public void close() {
        podSide.close();
        gatewaySide.close();
    }
}
