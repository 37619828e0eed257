package dev.corridor.sidecar.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.corridor.sidecar.Fixtures;
import java.io.ByteArrayInputStream;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.Test;

class PublicKeyPinTest {

    @Test
    void matchesTheSha256OfThePublicKeyAsOpensslComputesIt() throws Exception {
        X509Certificate certificate = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(Fixtures.bytes("lab-server.pem")));
        // openssl x509 -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64
        assertThat(PublicKeyPin.of(certificate))
                .isEqualTo(PublicKeyPin.parse("pin-sha256:OVwGLQ7qrBmy48qfA/pTBw1EUEWDrxjWdvwv0ouj3QY="));
        assertThat(PublicKeyPin.of(certificate).toString())
                .isEqualTo("pin-sha256:OVwGLQ7qrBmy48qfA/pTBw1EUEWDrxjWdvwv0ouj3QY=");
    }

    @Test
    void explainsWhatIsWrongWithABadPin() {
        assertThatThrownBy(() -> PublicKeyPin.parse("sha1:abcdef")).hasMessageContaining("expected pin-sha256:BASE64");
        assertThatThrownBy(() -> PublicKeyPin.parse("pin-sha256:***")).hasMessageContaining("not base64");
        assertThatThrownBy(() -> PublicKeyPin.parse("pin-sha256:AAAA"))
                .hasMessageContaining("holds 3 bytes, a SHA-256 has 32");
    }
}
