package dev.corridor.sidecar.protocol.auth;

/**
 * The authentication methods a client advertises in the init's {@code <capabilities>} (openconnect {@code auth.c},
 * {@code xmlpost_new_query}): only those Corridor carries out.
 */
public enum AuthMethod {
    /** SSO forms ({@code sso-v2-login}): Corridor recognises them, and logs in with a cookie obtained through them. */
    SINGLE_SIGN_ON_V2("single-sign-on-v2"),
    /** SSO in the user's own browser, the token coming back on a local listener: {@code authenticate --external-browser}. */
    SINGLE_SIGN_ON_EXTERNAL_BROWSER("single-sign-on-external-browser"),
    /** Machine and user certificates (ASA multiple-certificate authentication): with {@code --mca-certificate}. */
    MULTIPLE_CERT("multiple-cert");

    private final String wireName;

    AuthMethod(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }
}
