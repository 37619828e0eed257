package dev.corridor.sidecar.protocol.tunnel;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.corridor.sidecar.config.RouteOptions;
import dev.corridor.sidecar.net.IpNetwork;
import dev.corridor.sidecar.protocol.ProtocolException;
import dev.corridor.sidecar.protocol.http.HttpResponseHead;
import dev.corridor.sidecar.session.RoutePlanner;
import dev.corridor.sidecar.session.TunnelFailure;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes the {@code CONNECT} reply: its head, the session settings read from its headers, and the routes planned
 * from them under a pod's never-route networks. Seeds: replies ocserv 1.1.6 sent in the lab (CSTP only, DTLS with
 * PSK-NEGOTIATE), and the legacy-DTLS and dual-stack variants.
 */
class SessionConfigParserFuzzTest {
    private static final RouteOptions CLUSTER = new RouteOptions(
            List.of(IpNetwork.parse("10.20.9.0/24")),
            List.of(),
            List.of(IpNetwork.parse("10.42.0.0/16"), IpNetwork.parse("10.96.0.0/12")),
            false,
            false);

    /** The pod's nameserver and link-local networks, as the sidecar finds them in a pod. */
    private static final List<IpNetwork> CLUSTER_NETWORKS =
            List.of(IpNetwork.parse("10.96.0.10/32"), IpNetwork.parse("169.254.0.0/16"), IpNetwork.parse("fe80::/10"));

    /**
     * Every reply gives settings and routes, or a {@link ProtocolException} or a {@link TunnelFailure} that says why
     * not; and no route it gives lies inside a never-route or cluster network, and none covers one that is not
     * routed around it.
     */
    @Timeout(10)
    @FuzzTest
    @DictionaryEntries({
        "X-CSTP-Address: ",
        "X-CSTP-Netmask: ",
        "X-CSTP-Address-IP6: ",
        "X-CSTP-MTU: ",
        "X-CSTP-Base-MTU: ",
        "X-CSTP-DPD: ",
        "X-CSTP-Keepalive: ",
        "X-CSTP-Split-Include: ",
        "X-CSTP-Split-Include-IP6: ",
        "X-CSTP-Split-Exclude: ",
        "X-CSTP-DNS: ",
        "X-DTLS-Port: ",
        "X-DTLS-App-ID: ",
        "X-DTLS-Session-ID: ",
        "X-DTLS-MTU: ",
        "X-CSTP-Idle-Timeout: ",
        "none",
        "0.0.0.0/0.0.0.0",
        "255.255.255.255",
        "::/0",
        "fd00::/8",
        "10.42.0.0/255.255.0.0",
        "/128"
    })
    void readsEveryConnectReplyOrRefusesIt(byte[] reply) {
        try {
            SessionConfig config = SessionConfigParser.parse(
                    HttpResponseHead.parse(reply, 0, reply.length).headers());
            RoutePlanner.Plan plan = RoutePlanner.plan(config, CLUSTER, CLUSTER_NETWORKS);
            List<IpNetwork> protectedNetworks = new ArrayList<>(CLUSTER.never());
            protectedNetworks.addAll(CLUSTER_NETWORKS);
            for (IpNetwork through : plan.routes().throughTunnel()) {
                for (IpNetwork guarded : protectedNetworks) {
                    boolean inside = guarded.overlaps(through) && guarded.prefixLength() <= through.prefixLength();
                    if (inside) {
                        throw new AssertionError(
                                "the route " + through + " lies inside the protected network " + guarded);
                    }
                    if (guarded.overlaps(through)
                            && !plan.routes().aroundTunnel().contains(guarded)) {
                        throw new AssertionError(
                                "the route " + through + " covers " + guarded + ", which is not routed around it");
                    }
                }
            }
        } catch (ProtocolException | TunnelFailure expected) {
            // a reply the client refuses, with a message naming the header and what was expected
        }
    }
}
