package dev.corridor.sidecar.transport.dtls;

import dev.corridor.sidecar.protocol.tunnel.DtlsCipher;
import java.util.Optional;
import org.bouncycastle.tls.CipherSuite;

/**
 * The DTLS suites Corridor speaks: AES-GCM over DTLS 1.2 (PSK-NEGOTIATE's two PSK suites, and the resumed legacy
 * suites whatever key exchange their name mentions), and Cisco's DTLS 0.9 with AES-CBC and HMAC-SHA1.
 */
public enum DtlsSuite {
    PSK_AES_256_GCM(
            CipherSuite.TLS_PSK_WITH_AES_256_GCM_SHA384,
            32,
            Protection.GCM,
            DtlsCipher.Protocol.DTLS_1_2,
            "TLS_PSK_WITH_AES_256_GCM_SHA384"),
    PSK_AES_128_GCM(
            CipherSuite.TLS_PSK_WITH_AES_128_GCM_SHA256,
            16,
            Protection.GCM,
            DtlsCipher.Protocol.DTLS_1_2,
            "TLS_PSK_WITH_AES_128_GCM_SHA256"),
    RSA_AES_256_GCM(
            CipherSuite.TLS_RSA_WITH_AES_256_GCM_SHA384,
            32,
            Protection.GCM,
            DtlsCipher.Protocol.DTLS_1_2,
            "TLS_RSA_WITH_AES_256_GCM_SHA384"),
    RSA_AES_128_GCM(
            CipherSuite.TLS_RSA_WITH_AES_128_GCM_SHA256,
            16,
            Protection.GCM,
            DtlsCipher.Protocol.DTLS_1_2,
            "TLS_RSA_WITH_AES_128_GCM_SHA256"),
    ECDHE_RSA_AES_256_GCM(
            CipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
            32,
            Protection.GCM,
            DtlsCipher.Protocol.DTLS_1_2,
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"),
    ECDHE_RSA_AES_128_GCM(
            CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            16,
            Protection.GCM,
            DtlsCipher.Protocol.DTLS_1_2,
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
    ECDHE_ECDSA_AES_256_GCM(
            CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
            32,
            Protection.GCM,
            DtlsCipher.Protocol.DTLS_1_2,
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"),
    ECDHE_ECDSA_AES_128_GCM(
            CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            16,
            Protection.GCM,
            DtlsCipher.Protocol.DTLS_1_2,
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"),
    /** Cisco's DTLS 0.9 {@code AES256-SHA}: the TLS_RSA_WITH_AES_256_CBC_SHA code, resumed. */
    DTLS09_AES_256_CBC_SHA(
            CipherSuite.TLS_RSA_WITH_AES_256_CBC_SHA,
            32,
            Protection.CBC_SHA1,
            DtlsCipher.Protocol.DTLS_0_9,
            "TLS_RSA_WITH_AES_256_CBC_SHA"),
    /** Cisco's DTLS 0.9 {@code AES128-SHA}. */
    DTLS09_AES_128_CBC_SHA(
            CipherSuite.TLS_RSA_WITH_AES_128_CBC_SHA,
            16,
            Protection.CBC_SHA1,
            DtlsCipher.Protocol.DTLS_0_9,
            "TLS_RSA_WITH_AES_128_CBC_SHA");

    /** How records are protected. */
    enum Protection {
        /** AEAD: 4-byte salt from the key block, 8-byte explicit nonce, 16-byte tag. */
        GCM,
        /** MAC-then-encrypt: HMAC-SHA1 (20-byte keys from the key block), AES-CBC with an explicit IV, TLS padding. */
        CBC_SHA1
    }

    private final int code;
    private final int keyLength;
    private final Protection protection;
    private final DtlsCipher.Protocol protocol;
    private final String standardName;

    DtlsSuite(int code, int keyLength, Protection protection, DtlsCipher.Protocol protocol, String standardName) {
        this.code = code;
        this.keyLength = keyLength;
        this.protection = protection;
        this.protocol = protocol;
        this.standardName = standardName;
    }

    int code() {
        return code;
    }

    int keyLength() {
        return keyLength;
    }

    Protection protection() {
        return protection;
    }

    /** The DTLS version: {@code DTLS0.9} or {@code DTLSv1.2}. */
    public DtlsCipher.Protocol protocol() {
        return protocol;
    }

    /** The record version on the wire: 0x0100 for DTLS 0.9 (OpenSSL's DTLS1_BAD_VER), 0xFEFD for DTLS 1.2. */
    int wireVersion() {
        return protocol == DtlsCipher.Protocol.DTLS_0_9 ? 0x0100 : 0xFEFD;
    }

    /** The IANA name of the code it uses. */
    public String standardName() {
        return standardName;
    }

    static Optional<DtlsSuite> ofCode(int code) {
        for (DtlsSuite suite : values()) {
            if (suite.code == code) {
                return Optional.of(suite);
            }
        }
        return Optional.empty();
    }

    /** The suite a legacy cipher name stands for; empty for PSK-NEGOTIATE, which negotiates its suite. */
    public static Optional<DtlsSuite> of(DtlsCipher cipher) {
        return Optional.ofNullable(
                switch (cipher) {
                    case PSK_NEGOTIATE -> null;
                    case OC_DTLS1_2_AES256_GCM, AES256_GCM_SHA384 -> RSA_AES_256_GCM;
                    case OC_DTLS1_2_AES128_GCM, AES128_GCM_SHA256 -> RSA_AES_128_GCM;
                    case ECDHE_RSA_AES256_GCM_SHA384 -> ECDHE_RSA_AES_256_GCM;
                    case ECDHE_RSA_AES128_GCM_SHA256 -> ECDHE_RSA_AES_128_GCM;
                    case ECDHE_ECDSA_AES256_GCM_SHA384 -> ECDHE_ECDSA_AES_256_GCM;
                    case ECDHE_ECDSA_AES128_GCM_SHA256 -> ECDHE_ECDSA_AES_128_GCM;
                    case AES256_SHA -> DTLS09_AES_256_CBC_SHA;
                    case AES128_SHA -> DTLS09_AES_128_CBC_SHA;
                });
    }
}
