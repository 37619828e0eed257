package dev.corridor.sidecar.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CommandLineTest {

    @Test
    void helpReadsLikeAManPage() {
        Result result = run("connect", "--help");
        assertThat(result.code).isZero();
        assertThat(result.out)
                .contains("SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXIT STATUS", "HTTP ENDPOINTS", "EXAMPLES")
                .contains(
                        "-u, --user=NAME",
                        "--passwd-on-stdin",
                        "--password-file=FILE",
                        "--servercert=pin-sha256:BASE64",
                        "--cafile=FILE",
                        "--authgroup=GROUP",
                        "-i, --interface=IFNAME",
                        "--no-dtls",
                        "--base-mtu=MTU",
                        "--http-address=HOST:PORT",
                        "--config=FILE",
                        "--forward=LISTEN_ADDRESS:PORT=HOST:PORT",
                        "--socks-listen=ADDRESS:PORT",
                        "--http-proxy-listen=ADDRESS:PORT",
                        "--proxy-allow-source=CIDR")
                .contains("3   the gateway refused credentials read from standard input");
    }

    @Test
    void everyCommandPrintsTheVersion() {
        for (String[] args : new String[][] {{"-V"}, {"connect", "-V"}, {"authenticate", "--version"}}) {
            Result result = run(args);
            assertThat(result.code).isZero();
            assertThat(result.out).startsWith("corridor-sidecar ");
        }
    }

    @Test
    void badConfigurationExitsWithTwoAndSaysWhy() {
        Result result = run("connect", "--base-mtu", "12", "https://vpn.corp.test/");
        assertThat(result.code).isEqualTo(2);
        assertThat(result.err).contains("baseMtu: 12 is out of range");

        Result noServer = run("connect");
        assertThat(noServer.code).isEqualTo(2);
        assertThat(noServer.err).contains("no gateway given");
    }

    @Test
    void unknownOptionsAreUsageErrors() {
        Result result = run("connect", "--frobnicate", "vpn.corp.test");
        assertThat(result.code).isEqualTo(2);
        assertThat(result.err).contains("Unknown option: '--frobnicate'");
    }

    record Result(int code, String out, String err) {}

    private static Result run(String... args) {
        PrintStream originalOut = System.out;
        PrintStream originalErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = CorridorCommand.execute(args);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(originalOut);
            System.setErr(originalErr);
        }
    }
}
