package dev.corridor.sidecar;

import dev.corridor.sidecar.cli.CorridorCommand;

/** {@code java -jar corridor-sidecar.jar}: the command line. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(CorridorCommand.execute(args));
    }
}
