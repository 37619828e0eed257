package dev.corridor.sidecar.protocol.tunnel;

import dev.corridor.sidecar.protocol.auth.ClientProfile;
import dev.corridor.sidecar.protocol.auth.CookieJar;
import dev.corridor.sidecar.protocol.http.HttpRequest;
import java.util.Optional;

/**
 * {@code CONNECT /CSCOSSLC/tunnel}: opens the tunnel with the session cookie. Header names are spelled
 * exactly as ocserv's case-sensitive table expects them.
 *
 * @param host         the Host header ({@code name} or {@code name:port})
 * @param sessionCookie the {@code webvpn} cookie value, verbatim
 * @param localHostname shown by the gateway's {@code occtl show users}
 * @param baseMtu      the MTU of the link to the gateway
 * @param dtls         the DTLS offer; without one, no X-DTLS header is sent and the session is CSTP only
 * @param profile      the User-Agent and platform, as at login
 */
public record ConnectRequest(
        String host,
        String sessionCookie,
        String localHostname,
        int baseMtu,
        Optional<DtlsOffer> dtls,
        ClientProfile profile) {
    public static final String PATH = "/CSCOSSLC/tunnel";
    /** Space for DTLS (82), UDP (8) and IPv4 (20) inside the base MTU, as openconnect reserves it. */
    static final int TUNNEL_OVERHEAD = 82 + 8 + 20;

    /** The tunnel MTU asked for: what stays of the base MTU once the outer headers are accounted for. */
    public int requestedMtu() {
        return baseMtu - TUNNEL_OVERHEAD;
    }

    public HttpRequest toHttp() {
        HttpRequest.Builder request = profile.addHeaders(new HttpRequest.Builder("CONNECT", PATH).header("Host", host))
                .header("Cookie", CookieJar.SESSION_COOKIE + "=" + sessionCookie)
                .header("X-CSTP-Version", "1")
                .header("X-CSTP-Hostname", localHostname)
                .header("X-CSTP-Base-MTU", Integer.toString(baseMtu))
                .header("X-CSTP-MTU", Integer.toString(requestedMtu()))
                .header("X-CSTP-Address-Type", "IPv6,IPv4")
                .header("X-CSTP-Full-IPv6-Capability", "true");
        dtls.ifPresent(offer -> offer.headers().forEach(header -> request.header(header.getKey(), header.getValue())));
        return request.build();
    }

    @Override
    public String toString() {
        return "ConnectRequest[host=" + host + ", baseMtu=" + baseMtu + ", dtls=" + dtls + "]"; // never the cookie
    }
}
