package dev.corridor.sidecar.protocol.auth;

import dev.corridor.sidecar.protocol.http.HttpRequest;

/** The HTTP envelope of an aggregate-auth POST, with the headers openconnect sends, in its order. */
public final class AuthRequests {
    private AuthRequests() {
    }

    public static HttpRequest post(String host, String path, CookieJar cookies, ClientProfile profile, byte[] xml) {
        HttpRequest.Builder request = profile.addHeaders(new HttpRequest.Builder("POST", path).header("Host", host));
        if (!cookies.isEmpty()) {
            request.header("Cookie", cookies.header());
        }
        return request
                .header("Accept", "*/*")
                .header("Accept-Encoding", "identity")
                .header("X-Transcend-Version", "1")
                .header("X-Aggregate-Auth", "1")
                .header("X-Support-HTTP-Auth", "true")
                .header("Content-Type", "application/xml; charset=utf-8")
                .body(xml)
                .build();
    }
}
