package dev.corridor.sidecar.protocol.sso;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The request lines the listener tells apart, as openconnect's {@code hpke.c handle_external_browser} does. */
class BrowserRequestTest {
    /** Bytes whose base64 has '+', '/' and '=': they must come percent-encoded. */
    private static final byte[] TOKEN = {(byte) 0xfb, (byte) 0xff, (byte) 0xbf, 0x01};

    private static final String FINAL = "https://vpn.example.test/+CSCOE+/saml_ac_login.html";

    @Test
    void theRedirectWithTheTokenAndWhereToGoNext() {
        BrowserRequest request = BrowserRequest.parse("GET /api/sso/"
                + encode(Base64.getEncoder().encodeToString(TOKEN)) + "?return=" + encode(FINAL) + " HTTP/1.1");

        assertThat(request).isInstanceOfSatisfying(BrowserRequest.Callback.class, callback -> {
            assertThat(callback.token()).isEqualTo(TOKEN);
            assertThat(callback.returnTo()).contains(FINAL);
        });
    }

    @Test
    void withoutAReturnAddress() {
        BrowserRequest request = BrowserRequest.parse(
                "GET /api/sso/" + encode(Base64.getEncoder().encodeToString(TOKEN)) + " HTTP/1.0");

        assertThat(request)
                .isInstanceOfSatisfying(
                        BrowserRequest.Callback.class,
                        callback -> assertThat(callback.returnTo()).isEmpty());
    }

    /**
     * hpke.c decodes as a form does: an unencoded '+' of base64 is a space, and the token is not base64 any more. Its
     * base64 is strict: nothing outside the alphabet is skipped.
     */
    @Test
    void anythingElseIsNotFound() {
        for (String target : new String[] {
            "/favicon.ico",
            "/",
            "/api/sso",
            "/api/sso/",
            "/api/sso/%zz",
            "/api/sso/AA*EA",
            "/api/sso/AAE%0AA",
            "/api/sso/" + Base64.getEncoder().encodeToString(TOKEN),
            "/API/SSO/AAAA"
        }) {
            assertThat(BrowserRequest.parse("GET " + target + " HTTP/1.1"))
                    .as(target)
                    .isInstanceOf(BrowserRequest.NotFound.class);
        }
    }

    @Test
    void whatIsNotAGetRequestLineIsMalformed() {
        for (String line : new String[] {
            "",
            "GET",
            "POST /api/sso/AAAA HTTP/1.1",
            "GET /api/sso/AAAA",
            "GET /api/sso/AAAA HTTP/2",
            "GET /api/sso/AAAA HTTP/1.x",
            "get /api/sso/AAAA HTTP/1.1",
            "GET api/sso/AAAA HTTP/1.1"
        }) {
            assertThat(BrowserRequest.parse(line)).as(line).isInstanceOf(BrowserRequest.Malformed.class);
        }
    }

    /** The return address becomes a Location header: only a plain http(s) URL of printable ASCII does. */
    @Test
    void onlyAPlainWebAddressIsAReturnAddress() {
        for (String url : new String[] {
            "javascript:alert(1)",
            FINAL + "\r\nSet-Cookie: a=b",
            "ftp://vpn.example.test/",
            "//vpn.example.test/",
            "/relative",
            "https://vpn.example.test/caf\u00e9",
            "https:///no-host",
            "https://vpn.example.test/a b"
        }) {
            BrowserRequest request = BrowserRequest.parse("GET /api/sso/AAAA?return=" + encode(url) + " HTTP/1.1");
            assertThat(request)
                    .as(url)
                    .isInstanceOfSatisfying(
                            BrowserRequest.Callback.class,
                            callback -> assertThat(callback.returnTo()).isEmpty());
        }
    }

    @Test
    void theLastReturnAddressCountsAndOtherParametersAreIgnored() {
        BrowserRequest request = BrowserRequest.parse("GET /api/sso/AAAA?return=" + encode("https://first.test/")
                + "&x=1&return=" + encode(FINAL) + " HTTP/1.1");

        assertThat(request)
                .isInstanceOfSatisfying(
                        BrowserRequest.Callback.class,
                        callback -> assertThat(callback.returnTo()).isEqualTo(Optional.of(FINAL)));
    }

    @Test
    void theTokenIsNotInItsText() {
        assertThat(new BrowserRequest.Callback(TOKEN, Optional.empty()).toString())
                .isEqualTo("Callback[4 bytes]");
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }
}
