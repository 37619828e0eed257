package dev.corridor.sidecar.cli;

import dev.corridor.sidecar.config.ClientConfig;
import dev.corridor.sidecar.config.ConfigException;
import dev.corridor.sidecar.config.Settings;
import dev.corridor.sidecar.protocol.auth.SessionCookies;
import dev.corridor.sidecar.protocol.sso.StrapKeys;
import dev.corridor.sidecar.session.Authentication;
import dev.corridor.sidecar.session.TunnelFailure;
import dev.corridor.sidecar.session.TunnelObserver;
import dev.corridor.sidecar.session.sso.ExternalBrowser;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "authenticate",
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
            "  timeout, the session waits at the gateway.",
            "",
            "  With --external-browser, a gateway that logs in with single sign-on (SAML)",
            "  gets it done in a browser, as AnyConnect's external browser: the login",
            "  address is shown (and opened with --browser), and the browser comes back",
            "  with the token to http://localhost:29786/ on this machine (forward that",
            "  port for a browser elsewhere). The gateway then binds the session to a key",
            "  of this login (STRAP), and the cookie carries it as openconnect_strapkey=,",
            "  as openconnect's does: openconnect --cookie-on-stdin signs its CONNECT",
            "  with it. Corridor's connect does not sign yet, and a gateway that enforces",
            "  the binding refuses it the tunnel."
        },
        parameterListHeading = "%nARGUMENTS%n",
        optionListHeading = "%nOPTIONS%n",
        mixinStandardHelpOptions = true,
        versionProvider = CorridorCommand.Version.class)
final class AuthenticateCommand implements Callable<Integer> {
    /** An hour: no login in a browser takes longer, and the gateway's login state would have expired by then. */
    static final int MAX_SSO_TIMEOUT_SECONDS = 3600;

    @Spec
    private CommandSpec spec;

    @Mixin
    private LoginOptions login;

    @Option(
            names = "--external-browser",
            description =
                    "Log in with single sign-on in a browser, as AnyConnect's external browser: show the gateway's login "
                            + "address, then wait on localhost port 29786 for the browser to come back with the token.")
    private boolean externalBrowser;

    @Option(
            names = "--browser",
            paramLabel = "COMMAND",
            description =
                    "With --external-browser: open the login address with COMMAND, an executable (xdg-open, firefox) given "
                            + "the address as its argument, as openconnect's --external-browser.")
    private String browser;

    @Option(
            names = "--sso-timeout",
            paramLabel = "SECONDS",
            description = "With --external-browser: how long to wait for the browser to come back (default: 300).")
    private Integer ssoTimeout;

    @Override
    public Integer call() {
        ClientConfig config;
        LoginOptions.Input input;
        Optional<ExternalBrowser> sso;
        try {
            config = login.resolve(Settings.empty());
            sso = externalBrowser();
            input = LoginOptions.readInput(config);
        } catch (ConfigException e) {
            return fail(ExitCode.BAD_CONFIGURATION, e.getMessage());
        }
        Logging.configure(config.logLevel());
        Authentication.Result result;
        try {
            result = Authentication.run(
                    config, new FileCredentials(config, input.passwords(), input.cookie()), TunnelObserver.NONE, sso);
        } catch (TunnelFailure e) {
            return fail(ExitCode.of(e.kind()), e.getMessage());
        }
        String address = result.gateway().getAddress().getHostAddress();
        PrintWriter out = spec.commandLine().getOut();
        // A gateway refuses a STRAP-bound session's CONNECT unless it is signed with the login's key (openconnect
        // commit
        // 22217808): the key goes with the cookie, in the cookie openconnect reads it from (cstp.c cstp_connect).
        String strapKey = result.strap()
                .map(keys -> StrapKeys.COOKIE_NAME + "=" + keys.cookieValue() + "; ")
                .orElse("");
        out.println("COOKIE=" + quote(strapKey + SessionCookies.forOpenconnect(result.cookie())));
        out.println("HOST=" + quote(address.contains(":") ? "[" + address + "]" : address));
        out.println("CONNECT_URL=" + quote(config.gateway().withPath("/").toString()));
        out.println("FINGERPRINT=" + quote(result.gatewayKey().toString()));
        out.println("RESOLVE=" + quote(config.gateway().host() + ":" + address));
        out.flush();
        return ExitCode.OK.code;
    }

    private Optional<ExternalBrowser> externalBrowser() throws ConfigException {
        if (!externalBrowser) {
            if (browser != null || ssoTimeout != null) {
                throw new ConfigException(
                        "--browser and --sso-timeout are settings of --external-browser, which is not given");
            }
            return Optional.empty();
        }
        if (ssoTimeout != null && (ssoTimeout < 1 || ssoTimeout > MAX_SSO_TIMEOUT_SECONDS)) {
            throw new ConfigException(
                    "--sso-timeout must be from 1 to " + MAX_SSO_TIMEOUT_SECONDS + " seconds, not " + ssoTimeout);
        }
        if (browser != null && browser.isBlank()) {
            throw new ConfigException("--browser names no command");
        }
        Duration timeout = ssoTimeout == null ? ExternalBrowser.DEFAULT_TIMEOUT : Duration.ofSeconds(ssoTimeout);
        return Optional.of(new ExternalBrowser(
                Optional.ofNullable(browser), timeout, spec.commandLine().getErr()));
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
