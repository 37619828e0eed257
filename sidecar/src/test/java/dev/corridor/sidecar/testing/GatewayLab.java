package dev.corridor.sidecar.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The gateway lab of {@code scripts/lab.sh} (a real ocserv, a corporate network and a pod namespace), driven
 * from a test. Torn down on {@link #close()}, and by a shutdown hook if the JVM ends first.
 */
public final class GatewayLab implements AutoCloseable {
    private final String name;
    private final Map<String, String> env;
    private final Thread cleanup;

    private GatewayLab(String name, Map<String, String> env) {
        this.name = name;
        this.env = env;
        this.cleanup = new Thread(() -> down(name), "lab-" + name + "-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
    }

    /**
     * Starts a lab. Each argument is an ocserv.conf line that replaces (or adds) a setting, e.g.
     * {@code "udp-port = 0"}, or a lab.sh option written {@code --option=value}, e.g. {@code "--groups=eng,ops"}.
     * Names are at most 7 characters: the run's suffix and the namespaces' ("-node") follow, within 15. Labs that a
     * run killed on the spot left behind are removed first.
     */
    public static GatewayLab start(String base, String... arguments) throws IOException, InterruptedException {
        if (!base.matches("[a-z0-9]{1,7}")) {
            throw new IllegalArgumentException("'" + base + "' is not a short lab name (a-z, 0-9, at most 7)");
        }
        TestRun.sweep("lab", GatewayLab::down);
        String name = base + TestRun.SUFFIX;
        TestRun.claim("lab", name);
        List<String> command = new ArrayList<>(List.of(labScript().toString(), "up", "--name", name));
        for (String argument : arguments) {
            if (argument.startsWith("--")) {
                int eq = argument.indexOf('=');
                command.add(argument.substring(0, eq));
                command.add(argument.substring(eq + 1));
            } else {
                command.add("--set");
                command.add(argument);
            }
        }
        Map<String, String> env = new LinkedHashMap<>();
        for (String line : Commands.run(command).lines().toList()) {
            int eq = line.indexOf('=');
            if (eq > 0 && line.startsWith("LAB_")) {
                env.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return new GatewayLab(name, env);
    }

    public String get(String key) {
        String value = env.get(key);
        if (value == null) {
            throw new IllegalArgumentException("the lab reports no " + key);
        }
        return value;
    }

    public String podNamespace() {
        return get("LAB_POD_NS");
    }

    public String gatewayNamespace() {
        return get("LAB_GATEWAY_NS");
    }

    public String corpNamespace() {
        return get("LAB_CORP_NS");
    }

    public String gatewayUrl() {
        return get("LAB_GATEWAY_URL");
    }

    public String user() {
        return get("LAB_USER");
    }

    public String password() {
        return get("LAB_PASSWORD");
    }

    public Path caFile() {
        return Path.of(get("LAB_CA"));
    }

    /** Runs a command inside one of the lab's namespaces and returns its standard output. */
    public String exec(String namespace, String... command) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        full.addAll(List.of(command));
        return Commands.run(full);
    }

    /** ocserv's log so far (debug level 2). */
    public String ocservLog() throws IOException {
        return Files.readString(Path.of(get("LAB_OCSERV_LOG")));
    }

    /** ocserv's own view of its sessions ({@code occtl show users}). */
    public String gatewayUsers() throws IOException, InterruptedException {
        return exec(gatewayNamespace(), "occtl", "-s", get("LAB_OCCTL_SOCKET"), "show", "users");
    }

    /** Stops ocserv and its workers: SIGTERM, or SIGKILL for a crash. The namespaces and addresses stay. */
    public void stopGateway(boolean crash) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(labScript().toString(), "gateway-stop", "--name", name));
        if (crash) {
            command.add("--kill");
        }
        Commands.run(command);
    }

    /** Starts ocserv again; each setting replaces an ocserv.conf line, as in {@link #start}. */
    public void startGateway(String... settings) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(labScript().toString(), "gateway-start", "--name", name));
        for (String setting : settings) {
            command.addAll(List.of("--set", setting));
        }
        Commands.run(command);
    }

    /** Ends the user's sessions from the gateway's side, as an administrator does. */
    public void disconnect(String user) throws IOException, InterruptedException {
        exec(gatewayNamespace(), "occtl", "-s", get("LAB_OCCTL_SOCKET"), "disconnect", "user", user);
    }

    /** The lab's working directory, for files a test adds (another certificate, a password file). */
    public Path directory() {
        return Path.of(get("LAB_DIR"));
    }

    @Override
    public void close() {
        down(name);
        TestRun.release("lab", name);
        Runtime.getRuntime().removeShutdownHook(cleanup);
    }

    /** {@code scripts/lab.sh} in the repository. */
    public static Path labScript() {
        return repositoryRoot().resolve("scripts/lab.sh");
    }

    /** The repository's root: the directory above the working directory (a module's or the repository's) with scripts/lab.sh. */
    public static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("scripts/lab.sh"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException(
                    "scripts/lab.sh not found above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }

    private static void down(String name) {
        try {
            new ProcessBuilder(labScript().toString(), "down", "--name", name)
                    .inheritIO()
                    .start()
                    .waitFor(60, TimeUnit.SECONDS);
        } catch (IOException e) {
            System.err.println("tearing down lab " + name + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
