package dev.corridor.sidecar.config;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes the {@code --config} file: loaded, layered under the command line and resolved into a configuration.
 * Seeds: the file the operator renders, the README's example, and every setting as JSON.
 */
class ConfigFileFuzzTest {
    /** A literal address: resolving a host name from the fuzzer's input would send DNS queries. */
    private static final Settings COMMAND_LINE = Settings.empty().with(Setting.HTTP_ADDRESS, "127.0.0.1:9478");
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
    @DictionaryEntries({"server: ", "user: ", "userFile: ", "passwordFile: ", "passwordOnStdin: ", "serverCert: ", "cafile: ",
            "authgroup: ", "interface: ", "dtls: ", "baseMtu: ", "httpAddress: ", "allowDefaultRoute: ", "route: ", "excludeRoute: ",
            "neverRoute: ", "reconnectTimeout: ", "reconnectMinDelay: ", "reconnectMaxDelay: ", "logLevel: ", "true", "yes", "~",
            "&anchor ", "*anchor", "!!binary ", "!!int ", "<<: ", "- ", "[", "]", "{", "}", "pin-sha256:"})
    void loadsEveryConfigFileOrNamesTheProblem(byte[] content) throws IOException {
        Files.write(file, content);
        try {
            ConfigFile.load(file).overriddenBy(COMMAND_LINE).resolve();
        } catch (ConfigException expected) {
            // a file the sidecar refuses, with a message naming the setting and what is expected
        }
    }
}
