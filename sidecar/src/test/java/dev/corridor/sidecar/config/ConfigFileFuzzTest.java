package dev.corridor.sidecar.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes the {@code --config} file: loaded, layered under the command line and resolved into a configuration.
 * Seeds: the file the operator renders, the README's example, every setting as JSON, and a file for each kind of
 * value the settings refuse.
 */
class ConfigFileFuzzTest {
    /** A literal address: resolving a host name from the fuzzer's input would send DNS queries. */
    private static final Settings COMMAND_LINE = Settings.empty().with(Setting.HTTP_ADDRESS, "127.0.0.1:9478");
    /** Each setting's name as a word of its own: "user" in "user and userFile are both set", not in "username". */
    private static final List<Pattern> SETTING_NAMES = Arrays.stream(Setting.values())
            .map(setting -> Pattern.compile("(?<![A-Za-z])" + Pattern.quote(setting.key()) + "(?![A-Za-z])"))
            .toList();

    private static final Pattern LINE = Pattern.compile("\\bline \\d+\\b");
    private static Path file;

    @BeforeAll
    static void createFile() throws IOException {
        file = Files.createTempFile("corridor-fuzz", ".yaml");
    }

    @AfterAll
    static void deleteFile() throws IOException {
        Files.deleteIfExists(file);
    }

    /** Every file gives a configuration or a {@link ConfigException} naming the setting (or line) and what is expected. */
    @Timeout(10)
    @FuzzTest
    @DictionaryEntries({
        "server: ",
        "user: ",
        "userFile: ",
        "passwordFile: ",
        "passwordOnStdin: ",
        "serverCert: ",
        "cafile: ",
        "authgroup: ",
        "interface: ",
        "dtls: ",
        "baseMtu: ",
        "httpAddress: ",
        "allowDefaultRoute: ",
        "route: ",
        "excludeRoute: ",
        "neverRoute: ",
        "statusTokenFile: ",
        "failClosed: ",
        "reconnectTimeout: ",
        "reconnectMinDelay: ",
        "reconnectMaxDelay: ",
        "logLevel: ",
        "true",
        "yes",
        "~",
        "&anchor ",
        "*anchor",
        "!!binary ",
        "!!int ",
        "<<: ",
        "- ",
        "[",
        "]",
        "{",
        "}",
        "pin-sha256:"
    })
    void loadsEveryConfigFileOrNamesTheProblem(byte[] content) throws IOException {
        Files.write(file, content);
        try {
            ConfigFile.load(file).overriddenBy(COMMAND_LINE).resolve();
        } catch (ConfigException refused) {
            assertThat(namesTheProblem(refused.getMessage()))
                    .as("a refusal names the setting, the line or the config file: %s", refused.getMessage())
                    .isTrue();
        }
    }

    /** A setting's name, a line number, or the config file by its path: where the user has to look. */
    static boolean namesTheProblem(String message) {
        return SETTING_NAMES.stream().anyMatch(name -> name.matcher(message).find())
                || LINE.matcher(message).find()
                || message.contains("config file " + file);
    }
}
