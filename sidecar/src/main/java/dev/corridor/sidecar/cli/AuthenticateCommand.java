package dev.corridor.sidecar.cli;

import dev.corridor.sidecar.config.ClientConfig;
import dev.corridor.sidecar.config.ConfigException;
import dev.corridor.sidecar.config.Settings;
import dev.corridor.sidecar.protocol.auth.SessionCookies;
import dev.corridor.sidecar.session.Authentication;
import dev.corridor.sidecar.session.TunnelFailure;
import dev.corridor.sidecar.session.TunnelObserver;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "authenticate",
        sortOptions = false,
        headerHeading = "%n",
        header = "Log in and print the session cookie, without opening a tunnel.",
        synopsisHeading = "%nSYNOPSIS%n  ",
        customSynopsis = "corridor-sidecar authenticate [OPTIONS] [URL]",
        descriptionHeading = "%nDESCRIPTION%n",
        description = {
            "  Logs in as 'connect' does and prints what openconnect --authenticate prints,",
            "  as shell assignments:",
            "",
            "    COOKIE='webvpn=...'      the session cookie",
            "    HOST='198.51.100.7'      the gateway's address",
            "    CONNECT_URL='https://vpn.example.com/'",
            "    FINGERPRINT='pin-sha256:...'   the gateway's key, for --servercert",
            "    RESOLVE='vpn.example.com:198.51.100.7'",
            "",
            "  The cookie opens the tunnel from another process: 'corridor-sidecar connect",
            "  --cookie-file FILE' (a Kubernetes Secret, say) or --cookie-on-stdin, or",
            "  openconnect --cookie-on-stdin. Until then, or until the gateway's cookie",
            "  timeout, the session waits at the gateway."},
        parameterListHeading = "%nARGUMENTS%n",
        optionListHeading = "%nOPTIONS%n",
        mixinStandardHelpOptions = true)
final class AuthenticateCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Mixin
    private LoginOptions login;

    @Override
    public Integer call() {
        ClientConfig config;
        LoginOptions.Input input;
        try {
            config = login.resolve(Settings.empty());
            input = LoginOptions.readInput(config);
        } catch (ConfigException e) {
            return fail(ExitCode.BAD_CONFIGURATION, e.getMessage());
        }
        Logging.configure(config.logLevel());
        Authentication.Result result;
        try {
            result = Authentication.run(config, new FileCredentials(config, input.passwords(), input.cookie()), TunnelObserver.NONE);
        } catch (TunnelFailure e) {
            return fail(ExitCode.of(e.kind()), e.getMessage());
        }
        String address = result.gateway().getAddress().getHostAddress();
        PrintWriter out = spec.commandLine().getOut();
        out.println("COOKIE=" + quote(SessionCookies.forOpenconnect(result.cookie())));
        out.println("HOST=" + quote(address.contains(":") ? "[" + address + "]" : address));
        out.println("CONNECT_URL=" + quote(config.gateway().withPath("/").toString()));
        out.println("FINGERPRINT=" + quote(result.gatewayKey().toString()));
        out.println("RESOLVE=" + quote(config.gateway().host() + ":" + address));
        out.flush();
        return ExitCode.OK.code;
    }

    /** Single quotes, with a quote inside written as '\'' (openconnect prints values unescaped; a shell would break). */
    static String quote(String value) {
        return "'" + value.replace("'", "'\\''") + "'";
    }

    private int fail(ExitCode code, String message) {
        PrintWriter err = spec.commandLine().getErr();
        err.println("corridor-sidecar: " + message);
        err.flush();
        return code.code;
    }
}
