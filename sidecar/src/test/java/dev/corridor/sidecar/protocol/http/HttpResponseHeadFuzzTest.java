package dev.corridor.sidecar.protocol.http;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.corridor.sidecar.protocol.ProtocolException;
import dev.corridor.sidecar.protocol.auth.AuthRequests;
import dev.corridor.sidecar.protocol.auth.ClientProfile;
import dev.corridor.sidecar.protocol.auth.CookieJar;
import dev.corridor.sidecar.protocol.tunnel.ConnectRequest;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes the gateway's HTTP reply heads and what the client takes from them into its next request: the status,
 * the Content-Length and the cookies. Seeds: the heads ocserv 1.1.6 sent to openconnect in the lab.
 */
class HttpResponseHeadFuzzTest {
    private static final byte[] XML = "<?xml version=\"1.0\"?><config-auth/>".getBytes(UTF_8);

    /** Every head parses or is refused with a {@link ProtocolException}; its cookies always go into a valid next request. */
    @Timeout(10)
    @FuzzTest
    @DictionaryEntries({
        "HTTP/1.1 200 OK",
        "Content-Length: ",
        "Set-Cookie: ",
        "webvpn=",
        "webvpncontext=",
        "; Max-Age=",
        "; expires=Thu, 01 Jan 1970 22:00:00 GMT",
        "Transfer-Encoding: chunked",
        "Connection: close"
    })
    void parsesEveryHeadOrRefusesIt(byte[] head) {
        try {
            HttpResponseHead parsed = HttpResponseHead.parse(head, 0, head.length);
            parsed.statusText();
            parsed.contentLength();
            CookieJar cookies = new CookieJar();
            cookies.update(parsed.headers().all("Set-Cookie"), Instant.now());
            AuthRequests.post("vpn.corp.test", "/auth", cookies, ClientProfile.defaults(), XML)
                    .encode();
            cookies.get(CookieJar.SESSION_COOKIE)
                    .ifPresent(cookie -> new ConnectRequest(
                                    "vpn.corp.test", cookie, "pod", 1500, Optional.empty(), ClientProfile.defaults())
                            .toHttp()
                            .encode());
        } catch (ProtocolException expected) {
            // a head the client refuses, with a message naming what is wrong
        }
    }
}
