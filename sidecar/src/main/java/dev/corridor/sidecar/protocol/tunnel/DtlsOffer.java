package dev.corridor.sidecar.protocol.tunnel;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What the client offers for DTLS in its CONNECT request: the master secret for the legacy (resumed) suites, and
 * the cipher names of {@code X-DTLS-CipherSuite} and {@code X-DTLS12-CipherSuite}. ocserv picks PSK-NEGOTIATE when
 * offered (the key then comes from the TLS session's exporter); otherwise, as Cisco ASA/FTD do, a suite from the
 * lists, which the client sets up by resuming the gateway's session with its master secret.
 *
 * @param masterSecretHex 48 random bytes for legacy mode, as the 96 upper-case hex digits the header carries
 * @param pskNegotiate    whether the control session can export the PSK (TLS 1.3, or 1.2 with extended master
 *                        secret): without it PSK-NEGOTIATE is left out of the offer
 * @param dtlsCiphers     the names for {@code X-DTLS-CipherSuite}; none leaves the header out
 * @param dtls12Ciphers   the names for {@code X-DTLS12-CipherSuite}; none leaves the header out
 */
public record DtlsOffer(
        String masterSecretHex, boolean pskNegotiate, List<DtlsCipher> dtlsCiphers, List<DtlsCipher> dtls12Ciphers) {
    public static final String PSK_NEGOTIATE = DtlsCipher.PSK_NEGOTIATE.openConnectName();
    /**
     * openconnect 9.01's default {@code X-DTLS-CipherSuite} (GnuTLS build, as it offers it to ocserv 1.1.6 in the lab:
     * {@code PSK-NEGOTIATE:OC-DTLS1_2-AES256-GCM:OC2-DTLS1_2-CHACHA20-POLY1305:OC-DTLS1_2-AES128-GCM:DHE-RSA-AES256-SHA:
     * DHE-RSA-AES128-SHA:AES256-SHA:AES128-SHA}), less what Corridor does not speak (ChaCha20, the DHE names).
     */
    public static final List<DtlsCipher> DEFAULT_DTLS = List.of(
            DtlsCipher.PSK_NEGOTIATE,
            DtlsCipher.OC_DTLS1_2_AES256_GCM,
            DtlsCipher.OC_DTLS1_2_AES128_GCM,
            DtlsCipher.AES256_SHA,
            DtlsCipher.AES128_SHA);
    /**
     * openconnect 9.01's default {@code X-DTLS12-CipherSuite} ({@code ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:
     * AES256-GCM-SHA384:AES128-GCM-SHA256:} and DTLS 1.2 CBC names) with the ECDHE-ECDSA AES-GCM names Cisco's own client
     * sends, less the DTLS 1.2 CBC and DHE names.
     */
    public static final List<DtlsCipher> DEFAULT_DTLS12 = List.of(
            DtlsCipher.ECDHE_RSA_AES256_GCM_SHA384,
            DtlsCipher.ECDHE_ECDSA_AES256_GCM_SHA384,
            DtlsCipher.ECDHE_RSA_AES128_GCM_SHA256,
            DtlsCipher.ECDHE_ECDSA_AES128_GCM_SHA256,
            DtlsCipher.AES256_GCM_SHA384,
            DtlsCipher.AES128_GCM_SHA256);

    static final int MASTER_SECRET_LENGTH = 48;

    public DtlsOffer {
        if (!masterSecretHex.matches("[0-9A-F]{" + 2 * MASTER_SECRET_LENGTH + "}")) {
            throw new IllegalArgumentException(
                    "a DTLS master secret is " + MASTER_SECRET_LENGTH + " bytes in upper-case hex");
        }
        dtlsCiphers = List.copyOf(dtlsCiphers);
        dtls12Ciphers = List.copyOf(dtls12Ciphers);
        for (DtlsCipher cipher : dtlsCiphers) {
            requireHeader(cipher, DtlsCipher.Header.DTLS);
        }
        for (DtlsCipher cipher : dtls12Ciphers) {
            requireHeader(cipher, DtlsCipher.Header.DTLS12);
        }
    }

    /** The default offer, as openconnect's. */
    public DtlsOffer(String masterSecretHex, boolean pskNegotiate) {
        this(masterSecretHex, pskNegotiate, DEFAULT_DTLS, DEFAULT_DTLS12);
    }

    private static void requireHeader(DtlsCipher cipher, DtlsCipher.Header header) {
        if (cipher.header() != header) {
            throw new IllegalArgumentException(cipher.openConnectName() + " does not belong in " + header.headerName());
        }
    }

    /** An offer with a fresh master secret: every CONNECT gets its own. */
    public static DtlsOffer generate(SecureRandom random, boolean pskNegotiate) {
        return generate(random, pskNegotiate, DEFAULT_DTLS, DEFAULT_DTLS12);
    }

    /** The same, with the configured cipher lists. */
    public static DtlsOffer generate(
            SecureRandom random, boolean pskNegotiate, List<DtlsCipher> dtlsCiphers, List<DtlsCipher> dtls12Ciphers) {
        byte[] secret = new byte[MASTER_SECRET_LENGTH];
        random.nextBytes(secret);
        return new DtlsOffer(
                HexFormat.of().withUpperCase().formatHex(secret), pskNegotiate, dtlsCiphers, dtls12Ciphers);
    }

    public byte[] masterSecret() {
        return HexFormat.of().parseHex(masterSecretHex);
    }

    /** The names as offered in {@code X-DTLS-CipherSuite}: PSK-NEGOTIATE only where the control session exports the key. */
    List<DtlsCipher> offeredDtls() {
        return dtlsCiphers.stream()
                .filter(c -> c != DtlsCipher.PSK_NEGOTIATE || pskNegotiate)
                .toList();
    }

    /** Whether the client offered this cipher: a gateway's choice must be one of these. */
    public boolean offers(DtlsCipher cipher) {
        return cipher.header() == DtlsCipher.Header.DTLS
                ? offeredDtls().contains(cipher)
                : dtls12Ciphers.contains(cipher);
    }

    String cipherSuiteHeader() {
        return names(offeredDtls());
    }

    String dtls12CipherSuiteHeader() {
        return names(dtls12Ciphers);
    }

    /** The X-DTLS headers of the CONNECT request, in openconnect's order; a header without names is left out. */
    List<Map.Entry<String, String>> headers() {
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        headers.add(Map.entry("X-DTLS-Master-Secret", masterSecretHex));
        if (!offeredDtls().isEmpty()) {
            headers.add(Map.entry(DtlsCipher.Header.DTLS.headerName(), cipherSuiteHeader()));
        }
        if (!dtls12Ciphers.isEmpty()) {
            headers.add(Map.entry(DtlsCipher.Header.DTLS12.headerName(), dtls12CipherSuiteHeader()));
        }
        return headers;
    }

    private static String names(List<DtlsCipher> ciphers) {
        return ciphers.stream().map(DtlsCipher::openConnectName).collect(Collectors.joining(":"));
    }

    @Override
    public String toString() {
        return "DtlsOffer[pskNegotiate=" + pskNegotiate + ", " + cipherSuiteHeader() + ", " + dtls12CipherSuiteHeader()
                + "]"; // never the secret
    }
}
