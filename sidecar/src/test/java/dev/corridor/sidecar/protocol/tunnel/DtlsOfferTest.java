package dev.corridor.sidecar.protocol.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corridor.sidecar.protocol.auth.ClientProfile;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The X-DTLS headers of CONNECT: openconnect's default offer, PSK-NEGOTIATE only with an exporter, headers left out. */
class DtlsOfferTest {
    private static final String SECRET = "AB".repeat(48);

    @Test
    void theDefaultOfferIsOpenconnectsLessWhatCorridorDoesNotSpeak() {
        DtlsOffer offer = new DtlsOffer(SECRET, true);
        assertThat(offer.headers())
                .containsExactly(
                        Map.entry("X-DTLS-Master-Secret", SECRET),
                        Map.entry(
                                "X-DTLS-CipherSuite",
                                "PSK-NEGOTIATE:OC-DTLS1_2-AES256-GCM:OC-DTLS1_2-AES128-GCM:AES256-SHA:AES128-SHA"),
                        Map.entry(
                                "X-DTLS12-CipherSuite",
                                "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:"
                                        + "ECDHE-ECDSA-AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-GCM-SHA256"));
    }

    @Test
    void withoutAnExporterPskNegotiateIsNotOffered() {
        DtlsOffer offer = new DtlsOffer(SECRET, false);
        assertThat(offer.headers().get(1).getValue())
                .isEqualTo("OC-DTLS1_2-AES256-GCM:OC-DTLS1_2-AES128-GCM:AES256-SHA:AES128-SHA");
        assertThat(offer.offers(DtlsCipher.PSK_NEGOTIATE)).isFalse();
        assertThat(offer.offers(DtlsCipher.AES256_SHA)).isTrue();
    }

    @Test
    void anEmptyListLeavesItsHeaderOutAndTheCipherIsNotOffered() {
        DtlsOffer offer = new DtlsOffer(SECRET, true, List.of(DtlsCipher.AES256_SHA), List.of());
        assertThat(offer.headers())
                .containsExactly(
                        Map.entry("X-DTLS-Master-Secret", SECRET), Map.entry("X-DTLS-CipherSuite", "AES256-SHA"));
        assertThat(offer.offers(DtlsCipher.AES256_GCM_SHA384)).isFalse();
        assertThat(offer.offers(DtlsCipher.AES128_SHA)).isFalse();

        DtlsOffer onlyPsk =
                new DtlsOffer(SECRET, false, List.of(DtlsCipher.PSK_NEGOTIATE), List.of(DtlsCipher.AES256_GCM_SHA384));
        assertThat(onlyPsk.headers())
                .extracting(Map.Entry::getKey)
                .containsExactly("X-DTLS-Master-Secret", "X-DTLS12-CipherSuite");
    }

    @Test
    void theConnectRequestCarriesTheHeadersInOpenconnectsOrderAndNeverShowsTheSecret() {
        DtlsOffer offer = DtlsOffer.generate(
                new SecureRandom(), true, List.of(DtlsCipher.AES128_SHA), List.of(DtlsCipher.AES128_GCM_SHA256));
        String request = new String(
                new ConnectRequest("vpn.corp.test", "cookie", "pod", 1500, Optional.of(offer), ClientProfile.defaults())
                        .toHttp()
                        .encode(),
                java.nio.charset.StandardCharsets.US_ASCII);
        assertThat(request)
                .containsSubsequence(
                        "X-DTLS-Master-Secret: " + offer.masterSecretHex() + "\r\n",
                        "X-DTLS-CipherSuite: AES128-SHA\r\n",
                        "X-DTLS12-CipherSuite: AES128-GCM-SHA256\r\n");
        assertThat(offer.toString()).doesNotContain(offer.masterSecretHex());
    }
}
