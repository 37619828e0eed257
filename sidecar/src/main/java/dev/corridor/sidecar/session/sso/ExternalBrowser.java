package dev.corridor.sidecar.session.sso;

import dev.corridor.sidecar.net.Ip;
import dev.corridor.sidecar.protocol.ProtocolException;
import dev.corridor.sidecar.protocol.auth.AuthenticationException;
import dev.corridor.sidecar.protocol.sso.EncryptedToken;
import dev.corridor.sidecar.protocol.sso.StrapKeys;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Single sign-on in the user's own browser, as AnyConnect's external-browser mode and openconnect 9
 * ({@code hpke.c handle_external_browser}) do it: listen on port 29786 of the loopback addresses, show the gateway's
 * login address (and open it with the configured command), wait for the browser to come back from the identity
 * provider with the token encrypted to the login's STRAP-DH key, send the browser on, and decrypt the token.
 *
 * <p>openconnect listens on {@code [::1]} only. Corridor listens on {@code 127.0.0.1} as well: the gateway sends the
 * browser to {@code localhost}, which browsers try on both, and pods often run without IPv6 (no {@code ::1}) or are
 * reached through a port forward that dials 127.0.0.1. Both are loopback: nothing outside the host (the pod) reaches
 * either.
 */
public final class ExternalBrowser {
    /** The port Cisco's gateways send the browser back to: fixed, on their side too. */
    public static final int PORT = 29786;
    /** Long enough for an identity provider's login with a second factor; short enough that a forgotten run ends. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);

    static final List<InetAddress> LOOPBACK = List.of(Ip.parseAddress("::1"), Ip.parseAddress("127.0.0.1"));

    private final List<InetAddress> addresses;
    private final int port;
    private final Optional<Consumer<String>> opener;
    private final Duration timeout;
    private final PrintWriter console;

    /**
     * @param command  the browser to open the login address with (an executable, given the address as its one
     *                 argument, as openconnect's {@code --external-browser}); without it the address is only shown
     * @param timeout  how long to wait for the browser to come back
     * @param console  where the user is told what to do (standard error: standard output carries the cookie)
     */
    public ExternalBrowser(Optional<String> command, Duration timeout, PrintWriter console) {
        this(LOOPBACK, PORT, command.map(c -> url -> launch(c, url, console)), timeout, console);
    }

    ExternalBrowser(
            List<InetAddress> addresses,
            int port,
            Optional<Consumer<String>> opener,
            Duration timeout,
            PrintWriter console) {
        this.addresses = List.copyOf(addresses);
        this.port = port;
        this.opener = opener;
        this.timeout = timeout;
        this.console = console;
    }

    /**
     * Has the user log in at {@code loginUrl} (the form's {@code sso-v2-login}) and returns the SSO token the browser
     * brings back; the listener is closed when this returns.
     *
     * @throws ProtocolException       the login address is not a plain https URL
     * @throws AuthenticationException unanswerable: the port cannot be listened on, or no browser came back in time;
     *                                 rejected: the token that came back cannot be used (not for this login's key, altered, not alphanumeric)
     */
    public String obtainToken(String loginUrl, StrapKeys keys) throws ProtocolException, AuthenticationException {
        checkLoginUrl(loginUrl);
        CallbackListener listener;
        try {
            listener = CallbackListener.open(addresses, port);
        } catch (IOException e) {
            throw AuthenticationException.unanswerable("cannot wait for the browser's return: " + e.getMessage()
                    + " (is another login, openconnect's or Corridor's, waiting for its browser there?)");
        }
        try (listener) {
            console.println(
                    "corridor-sidecar: the gateway logs in with single sign-on. Open this address in a browser:");
            console.println();
            console.println("    " + loginUrl);
            console.println();
            console.println("corridor-sidecar: waiting up to " + timeout.toSeconds()
                    + " s for the browser to come back to "
                    + "http://localhost:" + port + "/ (listening on "
                    + String.join(
                            " and ",
                            listener.addresses().stream()
                                    .map(CallbackListener::describe)
                                    .toList()) + "). A browser on another machine needs this port forwarded "
                    + "here (ssh -L " + port + ":localhost:" + port + ", kubectl port-forward POD " + port + ").");
            console.flush();
            opener.ifPresent(open -> open.accept(loginUrl)); // once listening, as hpke.c: the browser may be quick
            Optional<CallbackListener.Arrival> arrival = listener.await(System.nanoTime() + timeout.toNanos());
            if (arrival.isEmpty()) {
                throw AuthenticationException.unanswerable("no browser came back from the single sign-on within "
                        + timeout.toSeconds()
                        + " s (--sso-timeout): open the address shown in a browser on this machine (or "
                        + "forward port " + port + " here) and complete the login");
            }
            try (CallbackListener.Arrival browser = arrival.get()) {
                String token;
                try {
                    token = EncryptedToken.parse(browser.callback().token()).decrypt(keys);
                } catch (ProtocolException e) {
                    browser.failed(e.getMessage());
                    throw AuthenticationException.rejected(
                            "the single sign-on came back with a token Corridor cannot use: " + e.getMessage());
                }
                browser.callback().returnTo().ifPresentOrElse(browser::redirect, browser::done);
                return token;
            }
        } catch (IOException e) {
            throw AuthenticationException.unanswerable("waiting for the browser's return failed: " + e.getMessage());
        }
    }

    /**
     * The address is shown on a terminal and given to a browser command as its argument: no control characters (a
     * terminal's escapes), and https, so that it cannot pass for an option of the command.
     */
    private static void checkLoginUrl(String url) throws ProtocolException {
        if (url.chars().anyMatch(c -> c <= ' ' || c >= 0x7f)) {
            throw new ProtocolException(
                    "the gateway's single sign-on address (sso-v2-login) has spaces, control or non-ASCII "
                            + "characters; refused");
        }
        try {
            URI uri = new URI(url);
            if ("https".equalsIgnoreCase(uri.getScheme()) && uri.getHost() != null) {
                return;
            }
        } catch (URISyntaxException e) {
            // refused below
        }
        throw new ProtocolException("the gateway's single sign-on address (sso-v2-login) is not an https URL: " + url);
    }

    /**
     * Starts the browser and leaves it running. Its standard output is dropped, not inherited: Corridor's carries the
     * cookie assignments. A browser that cannot be started leaves the address shown for the user to open.
     */
    static void launch(String command, String url, PrintWriter console) {
        try {
            new ProcessBuilder(command, url)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
        } catch (IOException e) {
            console.println("corridor-sidecar: cannot start the browser '" + command + "' (" + e.getMessage()
                    + "): open the address above yourself");
            console.flush();
        }
    }
}
