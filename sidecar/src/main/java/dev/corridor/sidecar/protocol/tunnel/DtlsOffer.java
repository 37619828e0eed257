package dev.corridor.sidecar.protocol.tunnel;

import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * What the client offers for DTLS in its CONNECT request. The gateway picks PSK-NEGOTIATE when offered
 * (the key then comes from the TLS session's exporter), else a legacy suite resumed with the client's master
 * secret. Only DTLS 1.2 AES-GCM suites are offered: never Cisco's pre-standard DTLS 0.9 ones.
 *
 * @param masterSecretHex 48 random bytes for legacy mode, as the 96 upper-case hex digits the header carries
 * @param pskNegotiate    whether the control session can export the PSK (TLS 1.3, or 1.2 with extended master secret)
 */
public record DtlsOffer(String masterSecretHex, boolean pskNegotiate) {
    public static final String PSK_NEGOTIATE = "PSK-NEGOTIATE";
    /** Legacy suites by the names ocserv knows, best first. */
    static final String LEGACY_SUITES = "OC-DTLS1_2-AES256-GCM:OC-DTLS1_2-AES128-GCM";
    static final String DTLS12_SUITES = "AES256-GCM-SHA384:AES128-GCM-SHA256";
    static final int MASTER_SECRET_LENGTH = 48;

    public DtlsOffer {
        if (!masterSecretHex.matches("[0-9A-F]{" + 2 * MASTER_SECRET_LENGTH + "}")) {
            throw new IllegalArgumentException("a DTLS master secret is " + MASTER_SECRET_LENGTH + " bytes in upper-case hex");
        }
    }

    /** An offer with a fresh master secret: every CONNECT gets its own. */
    public static DtlsOffer generate(SecureRandom random, boolean pskNegotiate) {
        byte[] secret = new byte[MASTER_SECRET_LENGTH];
        random.nextBytes(secret);
        return new DtlsOffer(HexFormat.of().withUpperCase().formatHex(secret), pskNegotiate);
    }

    public byte[] masterSecret() {
        return HexFormat.of().parseHex(masterSecretHex);
    }

    String cipherSuiteHeader() {
        return pskNegotiate ? PSK_NEGOTIATE + ":" + LEGACY_SUITES : LEGACY_SUITES;
    }

    @Override
    public String toString() {
        return "DtlsOffer[pskNegotiate=" + pskNegotiate + "]"; // never the secret
    }
}
