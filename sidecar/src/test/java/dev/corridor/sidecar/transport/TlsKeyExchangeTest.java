package dev.corridor.sidecar.transport;

import static org.assertj.core.api.Assertions.assertThat;

import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.ProtocolVersion;
import org.junit.jupiter.api.Test;

/** Which TLS sessions have forward secrecy, and which gateway choices are obsolete whatever the configuration. */
class TlsKeyExchangeTest {
    @Test
    void onlyRsaKeyExchangeLacksForwardSecrecy() {
        assertThat(TlsConnector.forwardSecrecy("TLSv1.3", "TLS_AES_256_GCM_SHA384"))
                .isTrue();
        assertThat(TlsConnector.forwardSecrecy("TLSv1.2", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"))
                .isTrue();
        assertThat(TlsConnector.forwardSecrecy("TLSv1.2", "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"))
                .isTrue();
        assertThat(TlsConnector.forwardSecrecy("TLSv1.2", "TLS_RSA_WITH_AES_256_GCM_SHA384"))
                .isFalse();
        assertThat(TlsConnector.forwardSecrecy("TLSv1.2", "TLS_RSA_WITH_AES_128_CBC_SHA"))
                .isFalse();
    }

    @Test
    void obsoleteMeansBeforeTls12OrAWeakCipherWhateverTheKeyExchange() {
        assertThat(new TlsOfferProbe.Choice(ProtocolVersion.TLSv10, CipherSuite.TLS_RSA_WITH_3DES_EDE_CBC_SHA)
                        .obsolete())
                .isTrue();
        assertThat(new TlsOfferProbe.Choice(ProtocolVersion.TLSv11, CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA)
                        .obsolete())
                .isTrue();
        assertThat(new TlsOfferProbe.Choice(ProtocolVersion.TLSv12, CipherSuite.TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA)
                        .obsolete())
                .isTrue();
        TlsOfferProbe.Choice rsa =
                new TlsOfferProbe.Choice(ProtocolVersion.TLSv12, CipherSuite.TLS_RSA_WITH_AES_256_GCM_SHA384);
        assertThat(rsa.obsolete()).as("refused only under --pfs").isFalse();
        assertThat(rsa.rsaKeyExchange()).isTrue();
        assertThat(rsa).hasToString("TLSv1.2 with TLS_RSA_WITH_AES_256_GCM_SHA384");
        assertThat(new TlsOfferProbe.Choice(ProtocolVersion.TLSv10, CipherSuite.TLS_RSA_WITH_3DES_EDE_CBC_SHA))
                .hasToString("TLSv1 with TLS_RSA_WITH_3DES_EDE_CBC_SHA");
    }
}
