package dev.corridor.sidecar.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Set;
import java.util.TreeSet;

/** The routes of a namespace as {@code ip -j route show} reports them, each as one comparable line. */
public final class PodRoutes {
    private PodRoutes() {}

    /**
     * Lines like {@code 10.20.0.0/16 dev vpn0 proto 151} or {@code unreachable 10.20.0.0/16 proto 151 metric 1000000};
     * {@code family} is "-4" or "-6".
     */
    public static Set<String> of(String namespace, String family) throws IOException, InterruptedException {
        JsonNode routes =
                new ObjectMapper().readTree(Commands.run("ip", family, "-j", "-n", namespace, "route", "show"));
        Set<String> lines = new TreeSet<>();
        for (JsonNode route : routes) {
            StringBuilder line = new StringBuilder(route.path("dst").asText());
            if (route.hasNonNull("type") && !route.path("type").asText().equals("unicast")) {
                line.insert(0, route.path("type").asText() + " ");
            }
            if (route.hasNonNull("gateway")) {
                line.append(" via ").append(route.path("gateway").asText());
            }
            if (route.hasNonNull("dev")) {
                line.append(" dev ").append(route.path("dev").asText());
            }
            if (route.hasNonNull("protocol") && !route.path("protocol").asText().equals("boot")) {
                line.append(" proto ").append(route.path("protocol").asText());
            }
            if (route.path("metric").asLong() != 0) {
                line.append(" metric ").append(route.path("metric").asLong());
            }
            lines.add(line.toString());
        }
        return lines;
    }

    /** The names of the namespace's links. */
    public static Set<String> links(String namespace) throws IOException, InterruptedException {
        JsonNode links = new ObjectMapper().readTree(Commands.run("ip", "-j", "-n", namespace, "link", "show"));
        Set<String> names = new TreeSet<>();
        for (JsonNode link : links) {
            names.add(link.path("ifname").asText());
        }
        return names;
    }
}
