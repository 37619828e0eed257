package dev.corridor.sidecar.protocol.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class CookieJarTest {
    private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");

    @Test
    void keepsWhatOcservSetsAndDropsWhatItExpires() {
        CookieJar jar = new CookieJar();
        jar.update(List.of("webvpncontext=; expires=Thu, 01 Jan 1970 22:00:00 GMT; path=/; Secure; HttpOnly"), NOW);
        assertThat(jar.isEmpty()).isTrue();

        jar.update(
                List.of("webvpncontext=ADaqVdWuYHuJwzeQmPBDQgpCUzrfDeZt7AEVi+pjHKQ=; Max-Age=300; Secure; HttpOnly"),
                NOW);
        assertThat(jar.header()).isEqualTo("webvpncontext=ADaqVdWuYHuJwzeQmPBDQgpCUzrfDeZt7AEVi+pjHKQ=");

        jar.update(
                List.of(
                        "webvpn=Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmE=; Secure; HttpOnly",
                        "webvpnc=; expires=Thu, 01 Jan 1970 22:00:00 GMT; path=/; Secure; HttpOnly",
                        "webvpnc=bu:/&p:t&iu:1/&sh:68D1364CE354AF0089C7488D591706069FC75784; path=/; Secure; HttpOnly"),
                NOW);
        assertThat(jar.get(CookieJar.SESSION_COOKIE)).contains("Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmE=");
        assertThat(jar.header())
                .startsWith("webvpncontext=")
                .contains("; webvpn=Zm9v")
                .contains("; webvpnc=bu:/&p:t");
    }

    @Test
    void maxAgeZeroDeletes() {
        CookieJar jar = new CookieJar();
        jar.update(List.of("a=1"), NOW);
        jar.update(List.of("a=2; Max-Age=0"), NOW);
        assertThat(jar.get("a")).isEmpty();
    }

    /** Found by HttpResponseHeadFuzzTest (seed crash-set-cookie-only-a-semicolon): an ArrayIndexOutOfBoundsException. */
    @Test
    void ignoresASetCookieWithoutACookie() {
        CookieJar jar = new CookieJar();
        jar.update(List.of(";", "", "; Secure", "=value"), NOW);
        assertThat(jar.isEmpty()).isTrue();
    }

    @Test
    void neverPrintsValues() {
        CookieJar jar = new CookieJar();
        jar.update(List.of("webvpn=secretvalue"), NOW);
        assertThat(jar.toString()).contains("webvpn").doesNotContain("secretvalue");
    }
}
