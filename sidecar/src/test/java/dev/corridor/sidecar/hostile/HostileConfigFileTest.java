package dev.corridor.sidecar.hostile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.corridor.sidecar.cli.CorridorCommand;
import dev.corridor.sidecar.config.Setting;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Broken and hostile {@code --config} files through the real command line: each ends with exit code 2 and one line
 * that names the setting (or the line) and what was expected, promptly, and never reads more than the size cap.
 */
class HostileConfigFileTest {
    /** A hang check, not a performance check. */
    private static final Duration BOUND = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    static Stream<Arguments> brokenFiles() {
        return Stream.of(
                Arguments.of(
                        "a YAML 1.1 flag",
                        "server: vpn.corp.test\ndtls: yes\n",
                        " (line 2): setting 'dtls' must be true or false"),
                Arguments.of(
                        "a flag written as text",
                        "server: vpn.corp.test\nallowDefaultRoute: \"true\"\n",
                        " (line 2): setting 'allowDefaultRoute' must be true or false"),
                Arguments.of(
                        "a list for a text", "server: [vpn.corp.test]\n", " (line 1): setting 'server' must be text"),
                Arguments.of(
                        "a map for a text",
                        "server: vpn.corp.test\nuser: {name: alice}\n",
                        " (line 2): setting 'user' must be text"),
                Arguments.of(
                        "a text for a list",
                        "server: vpn.corp.test\nroute: 10.0.0.0/8\n",
                        " (line 2): setting 'route' must be a list"),
                Arguments.of(
                        "a list in a list",
                        "server: vpn.corp.test\nneverRoute:\n  - [10.42.0.0/16]\n",
                        " (line 3): each item of 'neverRoute' must be text"),
                Arguments.of(
                        "a fraction for a number",
                        "server: vpn.corp.test\nbaseMtu: 1400.5\n",
                        " (line 2): setting 'baseMtu' must be a whole number"),
                Arguments.of(
                        "a number beyond an int",
                        "server: vpn.corp.test\nreconnectTimeout: 99999999999\n",
                        " (line 2): setting 'reconnectTimeout' must be a whole number"),
                Arguments.of(
                        "a setting twice",
                        "server: vpn.corp.test\ninterface: vpn0\ninterface: vpn1\n",
                        " (line 3): setting 'interface' is set a second time (first on line 2)"),
                Arguments.of(
                        "a setting in the wrong case",
                        "server: vpn.corp.test\npasswordfile: /secret\n",
                        " (line 2): unknown setting 'passwordfile'; did you mean 'passwordFile'?"),
                Arguments.of(
                        "an unknown setting",
                        "server: vpn.corp.test\ngateway: vpn.corp.test\n",
                        " (line 2): unknown setting 'gateway'; " + "known settings are "
                                + String.join(
                                        ", ",
                                        Arrays.stream(Setting.values())
                                                .map(Setting::key)
                                                .sorted()
                                                .toList())),
                Arguments.of(
                        "a list at the top",
                        "- server: vpn.corp.test\n",
                        " (line 1): expected settings (key: value lines)"),
                Arguments.of(
                        "a setting name that is a list",
                        "? [server]\n: vpn.corp.test\n",
                        " (line 1): a setting name must be plain text"),
                Arguments.of(
                        "two documents",
                        "server: a\n---\nserver: b\n",
                        " is not valid YAML: expected a single document in the stream  "
                                + "in 'reader', line 1, column 1:     server: a     ^ but found another document  in 'reader', line 2, column 1:     ---     ^"),
                Arguments.of(
                        "an alias bomb",
                        """
                                              a: &a [x, x, x, x, x, x, x, x, x]
                                              b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
                                              c: [*b, *b, *b, *b, *b, *b, *b, *b, *b]
                                              """,
                        " is not valid YAML: Number of aliases for non-scalar nodes exceeds the " + "specified max=10"),
                Arguments.of(
                        "deep nesting",
                        "server: vpn.corp.test\nroute: " + "[".repeat(100) + "]".repeat(100) + "\n",
                        " is not valid YAML: Nesting Depth exceeded max 50"),
                Arguments.of(
                        "a gadget chain (CVE-2022-1471)",
                        "server: !!javax.script.ScriptEngineManager [!!java.net.URLClassLoader "
                                + "[[!!java.net.URL [\"http://127.0.0.1:9/\"]]]]\n",
                        " is not valid YAML: Global tag is not allowed: "
                                + "tag:yaml.org,2002:javax.script.ScriptEngineManager  in 'reader', line 1, column 9:     server: "
                                + "!!javax.script.ScriptEngineManag ...              ^"),
                Arguments.of(
                        "a malformed tag (found by ConfigFileFuzzTest)",
                        "server: !he%c",
                        " is not valid YAML: Tag must not contain leading " + "or trailing spaces."));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenFiles")
    void aBrokenFileIsNamedWithWhatIsExpected(String what, String content, String expected) throws Exception {
        Path file = dir.resolve("corridor.yaml");
        Files.writeString(file, content);

        assertThat(connectWithConfig(file))
                .isEqualTo(new Outcome(2, "corridor-sidecar: config file " + file + expected));
    }

    @Test
    void aFileThatIsNotUtf8IsNamed() throws Exception {
        Path file = dir.resolve("latin1.yaml");
        Files.write(file, "server: vpn.corp.test\nuser: j\u00f6rg\n".getBytes(StandardCharsets.ISO_8859_1));

        assertThat(connectWithConfig(file))
                .isEqualTo(new Outcome(2, "corridor-sidecar: config file " + file + " is not UTF-8 text"));
    }

    @Test
    void aFileLargerThanTheCapIsRefused() throws Exception {
        Path file = dir.resolve("large.yaml");
        Files.writeString(file, "server: vpn.corp.test\n" + "# padding\n".repeat(30_000));

        assertThat(connectWithConfig(file))
                .isEqualTo(new Outcome(2, "corridor-sidecar: config file " + file + " is larger than 262144 bytes"));
    }

    /** A device reports no size and never ends: the read stops at the cap instead of filling the heap. */
    @Test
    void anEndlessDeviceIsReadOnlyUpToTheCap() {
        assertThat(connectWithConfig(Path.of("/dev/zero")))
                .isEqualTo(new Outcome(2, "corridor-sidecar: config file /dev/zero is larger than 262144 bytes"));
    }

    @Test
    void aDirectoryIsNamed() {
        assertThat(connectWithConfig(dir))
                .isEqualTo(new Outcome(2, "corridor-sidecar: cannot read config file " + dir + ": Is a directory"));
    }

    /** The exit code and what the command printed on standard error, without the line end. */
    record Outcome(int exitCode, String error) {}

    private static Outcome connectWithConfig(Path file) {
        return assertTimeoutPreemptively(BOUND, () -> {
            PrintStream originalErr = System.err;
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            try {
                System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
                int code = CorridorCommand.execute("connect", "--config", file.toString());
                return new Outcome(code, err.toString(StandardCharsets.UTF_8).strip());
            } finally {
                System.setErr(originalErr);
            }
        });
    }
}
