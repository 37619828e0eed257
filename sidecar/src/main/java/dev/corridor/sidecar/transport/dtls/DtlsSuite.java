package dev.corridor.sidecar.transport.dtls;

import java.util.Optional;
import org.bouncycastle.tls.CipherSuite;

/**
 * The DTLS 1.2 AES-GCM suites Corridor speaks: the two PSK suites of PSK-NEGOTIATE, and the two legacy
 * suites ocserv names {@code OC-DTLS1_2-AES*-GCM} (or {@code AES*-GCM-SHA*} in X-DTLS12-CipherSuite).
 */
public enum DtlsSuite {
    PSK_AES_256_GCM(CipherSuite.TLS_PSK_WITH_AES_256_GCM_SHA384, 32, "TLS_PSK_WITH_AES_256_GCM_SHA384"),
    PSK_AES_128_GCM(CipherSuite.TLS_PSK_WITH_AES_128_GCM_SHA256, 16, "TLS_PSK_WITH_AES_128_GCM_SHA256"),
    RSA_AES_256_GCM(CipherSuite.TLS_RSA_WITH_AES_256_GCM_SHA384, 32, "TLS_RSA_WITH_AES_256_GCM_SHA384"),
    RSA_AES_128_GCM(CipherSuite.TLS_RSA_WITH_AES_128_GCM_SHA256, 16, "TLS_RSA_WITH_AES_128_GCM_SHA256");

    private final int code;
    private final int keyLength;
    private final String standardName;

    DtlsSuite(int code, int keyLength, String standardName) {
        this.code = code;
        this.keyLength = keyLength;
        this.standardName = standardName;
    }

    int code() {
        return code;
    }

    int keyLength() {
        return keyLength;
    }

    /** The IANA name, as {@code /status} reports it. */
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

    /** The legacy suite a gateway chose, by the name in its CONNECT reply. */
    public static Optional<DtlsSuite> ofLegacyName(String name) {
        return switch (name) {
            case "OC-DTLS1_2-AES256-GCM", "AES256-GCM-SHA384" -> Optional.of(RSA_AES_256_GCM);
            case "OC-DTLS1_2-AES128-GCM", "AES128-GCM-SHA256" -> Optional.of(RSA_AES_128_GCM);
            default -> Optional.empty();
        };
    }
}
