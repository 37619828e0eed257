package dev.corridor.sidecar.token;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** No code twice: TOTP periods are not reused within a process, HOTP counters are saved before their code is used. */
class SoftTokenTest {
    private static final String SEED = "base32:GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    @TempDir
    Path dir;

    @Test
    void twoTotpCodesInOnePeriodAreTheCodesOfTwoPeriods() throws Exception {
        Clock clock = Clock.fixed(Instant.ofEpochSecond(1111111109), ZoneOffset.UTC);
        SoftToken token = new SoftToken(TokenMode.TOTP, Optional.of(SEED), Optional.empty(), clock);
        TokenSecret secret = TokenSecret.parse(SEED);
        assertThat(token.next()).isEqualTo(OneTimeCode.totp(secret, Instant.ofEpochSecond(1111111109)));
        assertThat(token.next())
                .as("the same 30 s: the next period's code, never the same one")
                .isEqualTo(OneTimeCode.totp(secret, Instant.ofEpochSecond(1111111109 + 30)));
    }

    @Test
    void aHotpCounterIsWrittenBackInTheFormItWasGiven() throws Exception {
        Path file = Files.writeString(dir.resolve("token"), "sha256:" + SEED + ",5\n");
        SoftToken token = new SoftToken(TokenMode.HOTP, Optional.empty(), Optional.of(file), Clock.systemUTC());
        assertThat(token.next()).isEqualTo(OneTimeCode.hotp(TokenSecret.parse("sha256:" + SEED), 5));
        assertThat(Files.readString(file))
                .as("the algorithm prefix stays (openconnect drops it)")
                .isEqualTo("sha256:" + SEED + ",6\n");
        assertThat(token.next()).isEqualTo(OneTimeCode.hotp(TokenSecret.parse("sha256:" + SEED), 6));

        Path uri = Files.writeString(
                dir.resolve("uri"),
                "otpauth://hotp/alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=9&issuer=Corp\n");
        new SoftToken(TokenMode.HOTP, Optional.empty(), Optional.of(uri), Clock.systemUTC()).next();
        assertThat(Files.readString(uri))
                .isEqualTo("otpauth://hotp/alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=10&issuer=Corp\n");
    }
}
