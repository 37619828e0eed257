package dev.corridor.sidecar.session;

/** The gateway's {@code webvpn} session cookie: a bearer credential, so it never appears in a log or a status. */
record SessionCookie(String value) {
    @Override
    public String toString() {
        return "SessionCookie[redacted]";
    }
}
