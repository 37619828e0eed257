package dev.corridor.sidecar.protocol.auth;

import dev.corridor.sidecar.protocol.http.HttpRequest;
import dev.corridor.sidecar.protocol.sso.StrapKeys;
import java.util.Optional;

/** The HTTP envelope of an aggregate-auth POST, with the headers openconnect sends, in its order. */
public final class AuthRequests {
    private AuthRequests() {}

    public static HttpRequest post(String host, String path, CookieJar cookies, ClientProfile profile, byte[] xml) {
        return post(host, path, cookies, profile, xml, Optional.empty());
    }

    /**
     * @param strap the STRAP keys of an external-browser login, announced in every request of it as openconnect does
     *              ({@code cstp.c cstp_common_headers}): the gateway encrypts the SSO token to one and binds the session
     *              to the other
     */
    public static HttpRequest post(
            String host, String path, CookieJar cookies, ClientProfile profile, byte[] xml, Optional<StrapKeys> strap) {
        HttpRequest.Builder request = profile.addHeaders(new HttpRequest.Builder("POST", path).header("Host", host));
        if (!cookies.isEmpty()) {
            request.header("Cookie", cookies.header());
        }
        request.header("Accept", "*/*")
                .header("Accept-Encoding", "identity")
                .header("X-Transcend-Version", "1")
                .header("X-Aggregate-Auth", "1")
                .header("X-Support-HTTP-Auth", "true");
        strap.ifPresent(keys -> request.header(StrapKeys.PUBKEY_HEADER, keys.publicKeyHeader())
                .header(StrapKeys.DH_PUBKEY_HEADER, keys.dhPublicKeyHeader()));
        return request.header("Content-Type", "application/xml; charset=utf-8")
                .body(xml)
                .build();
    }
}
