package dev.corridor.sidecar.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The generator against the test vectors of RFC 4226 (appendix D) and RFC 6238 (appendix B), and the secret's forms. */
class OneTimeCodeTest {
    private static final String RFC_SEED = "12345678901234567890";

    @ParameterizedTest
    @CsvSource({
        "0,755224",
        "1,287082",
        "2,359152",
        "3,969429",
        "4,338314",
        "5,254676",
        "6,287922",
        "7,162583",
        "8,399871",
        "9,520489"
    })
    void hotpMatchesRfc4226(long counter, String code) {
        assertThat(OneTimeCode.hotp(TokenSecret.parse(RFC_SEED), counter)).isEqualTo(code);
    }

    @ParameterizedTest
    @CsvSource({
        "59,          SHA1,   94287082", "59,          SHA256, 46119246", "59,          SHA512, 90693936",
        "1111111109,  SHA1,   07081804", "1111111109,  SHA256, 68084774", "1111111109,  SHA512, 25091201",
        "1111111111,  SHA1,   14050471", "1111111111,  SHA256, 67062674", "1111111111,  SHA512, 99943326",
        "1234567890,  SHA1,   89005924", "1234567890,  SHA256, 91819424", "1234567890,  SHA512, 93441116",
        "2000000000,  SHA1,   69279037", "2000000000,  SHA256, 90698825", "2000000000,  SHA512, 38618901",
        "20000000000, SHA1,   65353130", "20000000000, SHA256, 77737706", "20000000000, SHA512, 47863826"
    })
    void totpMatchesRfc6238(long seconds, TokenSecret.Algorithm algorithm, String code) {
        // RFC 6238's seeds are the ASCII digits repeated to the hash's length.
        int length = switch (algorithm) {
            case SHA1 -> 20;
            case SHA256 -> 32;
            case SHA512 -> 64;
        };
        byte[] seed = "1234567890".repeat(7).substring(0, length).getBytes(StandardCharsets.US_ASCII);
        TokenSecret secret = new TokenSecret(seed, algorithm, 8, Duration.ofSeconds(30), OptionalLong.empty());
        assertThat(OneTimeCode.totp(secret, Instant.ofEpochSecond(seconds))).isEqualTo(code);
    }

    @ParameterizedTest
    @CsvSource({
        "'',''",
        "f,MY======",
        "fo,MZXQ====",
        "foo,MZXW6===",
        "foob,MZXW6YQ=",
        "fooba,MZXW6YTB",
        "foobar,MZXW6YTBOI======"
    })
    void base32MatchesRfc4648(String decoded, String encoded) {
        assertThat(Base32.decode(encoded)).isEqualTo(decoded.getBytes(StandardCharsets.US_ASCII));
        assertThat(Base32.decode(encoded.toLowerCase(Locale.ROOT).replace("=", "")))
                .as("lower case, unpadded")
                .isEqualTo(decoded.getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void theSecretsFormsGiveTheSameKey() {
        byte[] seed = RFC_SEED.getBytes(StandardCharsets.US_ASCII);
        assertThat(TokenSecret.parse(RFC_SEED).key()).isEqualTo(seed);
        assertThat(TokenSecret.parse("0x3132333435363738393031323334353637383930")
                        .key())
                .isEqualTo(seed);
        assertThat(TokenSecret.parse("base32:GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").key())
                .isEqualTo(seed);
        assertThat(TokenSecret.parse("sha256:base32:GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
                        .algorithm())
                .isEqualTo(TokenSecret.Algorithm.SHA256);
        assertThat(TokenSecret.parse("base32:GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ,42")
                        .counter())
                .hasValue(42);
    }

    @Test
    void anOtpauthUriCarriesDigitsPeriodAlgorithmAndCounter() {
        TokenSecret totp = TokenSecret.parse(
                "otpauth://totp/Corp:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Corp&digits=8&period=60&algorithm=SHA256");
        assertThat(totp.key()).isEqualTo(RFC_SEED.getBytes(StandardCharsets.US_ASCII));
        assertThat(totp.digits()).isEqualTo(8);
        assertThat(totp.period()).isEqualTo(Duration.ofSeconds(60));
        assertThat(totp.algorithm()).isEqualTo(TokenSecret.Algorithm.SHA256);
        TokenSecret hotp = TokenSecret.parse("otpauth://hotp/alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=7");
        assertThat(OneTimeCode.hotp(hotp, hotp.counter().orElseThrow())).isEqualTo("162583");
    }

    @Test
    void badSecretsNameTheProblemAndNeverEchoTheSecret() {
        assertThatThrownBy(() -> TokenSecret.parse("base32:GEZD1NBV"))
                .hasMessageContaining("outside A-Z and 2-7 at position 5")
                .hasMessageNotContaining("GEZD");
        assertThatThrownBy(() -> TokenSecret.parse("0xZZ12"))
                .hasMessageContaining("not hexadecimal")
                .hasMessageNotContaining("ZZ12");
        assertThatThrownBy(() -> TokenSecret.parse("otpauth://hotp/a?secret=GEZDGNBV"))
                .hasMessageContaining("needs a counter");
        assertThatThrownBy(() -> TokenSecret.parse("otpauth://totp/a?secret=GEZDGNBV&digits=4"))
                .hasMessageContaining("6 to 8 digits");
        assertThatThrownBy(() -> TokenSecret.parse("  ")).hasMessageContaining("empty");
        assertThat(TokenSecret.parse(RFC_SEED).toString()).doesNotContain(RFC_SEED);
    }
}
