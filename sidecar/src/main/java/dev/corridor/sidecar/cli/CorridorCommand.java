package dev.corridor.sidecar.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(
        name = "corridor-sidecar",
        headerHeading = "%n",
        header = "Corridor: an AnyConnect/OpenConnect VPN client for Kubernetes pods and the command line.",
        synopsisHeading = "%nSYNOPSIS%n  ",
        customSynopsis = "corridor-sidecar COMMAND [OPTIONS]",
        commandListHeading = "%nCOMMANDS%n",
        footerHeading = "%n",
        footer = "Run 'corridor-sidecar connect --help' (or authenticate --help) for the options.",
        mixinStandardHelpOptions = true,
        versionProvider = CorridorCommand.Version.class,
        subcommands = {ConnectCommand.class, AuthenticateCommand.class})
public final class CorridorCommand implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Runs the command line and returns the exit code. */
    public static int execute(String... args) {
        CommandLine commandLine = new CommandLine(new CorridorCommand());
        Map<String, String> exitCodes = new LinkedHashMap<>();
        for (ExitCode code : ExitCode.values()) {
            exitCodes.put("  " + code.code, code.meaning);
        }
        for (String command : new String[] {"connect", "authenticate"}) {
            commandLine
                    .getSubcommands()
                    .get(command)
                    .getCommandSpec()
                    .usageMessage()
                    .exitCodeList(exitCodes);
        }
        return commandLine.execute(args);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = CorridorCommand.class.getPackage().getImplementationVersion();
            return new String[] {"corridor-sidecar " + (version == null ? "development build" : version)};
        }
    }
}
