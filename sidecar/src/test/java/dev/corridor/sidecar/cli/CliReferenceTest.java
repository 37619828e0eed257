package dev.corridor.sidecar.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** The CLI reference (docs/cli.md) names every command and every option that {@code --help} lists. */
class CliReferenceTest {
    private static final Path REFERENCE = Path.of("../docs/cli.md");

    @Test
    void everyCommandAndEveryOptionOfHelpIsInTheReference() throws IOException {
        String reference = Files.readString(REFERENCE);
        List<String> checked = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        check(new CommandLine(new CorridorCommand()), reference, checked, missing);

        assertThat(checked)
                .as("the commands walked")
                .contains("corridor-sidecar", "corridor-sidecar connect", "corridor-sidecar authenticate");
        assertThat(missing)
                .as("options --help lists that " + REFERENCE + " does not mention")
                .isEmpty();
    }

    private static void check(CommandLine command, String reference, List<String> checked, List<String> missing) {
        CommandSpec spec = command.getCommandSpec();
        checked.add(spec.qualifiedName());
        if (spec.parent() != null && !mentions(reference, "`" + spec.name())) {
            missing.add("the command " + spec.name());
        }
        for (OptionSpec option : spec.options()) {
            if (option.hidden()) {
                continue; // --help leaves it out
            }
            for (String name : option.names()) {
                if (!mentions(reference, name)) {
                    missing.add(spec.qualifiedName() + " " + name);
                }
            }
        }
        command.getSubcommands().values().forEach(subcommand -> check(subcommand, reference, checked, missing));
    }

    /** Whether the text has the name as a whole word: --token-secret-file is no mention of --token-secret. */
    private static boolean mentions(String text, String name) {
        return Pattern.compile("(?<![\\w-])" + Pattern.quote(name) + "(?![\\w-])")
                .matcher(text)
                .find();
    }
}
