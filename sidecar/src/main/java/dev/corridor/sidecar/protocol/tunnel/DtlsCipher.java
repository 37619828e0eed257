package dev.corridor.sidecar.protocol.tunnel;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The DTLS cipher names of the AnyConnect CONNECT exchange that Corridor speaks, as openconnect writes them: the
 * client lists them in {@code X-DTLS-CipherSuite} and {@code X-DTLS12-CipherSuite}, and the gateway names its choice
 * in the header of the same name. The two headers are separate name spaces: {@code AES256-SHA} in the first is Cisco's
 * pre-RFC DTLS 0.9 (OpenSSL's {@code DTLS1_BAD_VER}), in the second it would be DTLS 1.2.
 *
 * <p>Sources: openconnect 9.01 {@code gnutls-dtls.c} ({@code gnutls_dtls_ciphers[]}), ocserv 1.1.6
 * {@code worker-http.c} ({@code ciphersuites[]}, {@code ciphersuites12[]}; ocserv 1.2.0 added the ECDHE-RSA names).
 * Every legacy suite is set up by resuming the gateway's session with the client's master secret, so the key
 * exchange a name mentions never runs: the name only has to be one the gateway accepts.
 */
public enum DtlsCipher {
    PSK_NEGOTIATE("PSK-NEGOTIATE", Header.DTLS, Protocol.DTLS_1_2),
    OC_DTLS1_2_AES256_GCM("OC-DTLS1_2-AES256-GCM", Header.DTLS, Protocol.DTLS_1_2),
    OC_DTLS1_2_AES128_GCM("OC-DTLS1_2-AES128-GCM", Header.DTLS, Protocol.DTLS_1_2),
    AES256_SHA("AES256-SHA", Header.DTLS, Protocol.DTLS_0_9),
    AES128_SHA("AES128-SHA", Header.DTLS, Protocol.DTLS_0_9),
    ECDHE_RSA_AES256_GCM_SHA384("ECDHE-RSA-AES256-GCM-SHA384", Header.DTLS12, Protocol.DTLS_1_2),
    ECDHE_ECDSA_AES256_GCM_SHA384("ECDHE-ECDSA-AES256-GCM-SHA384", Header.DTLS12, Protocol.DTLS_1_2),
    ECDHE_RSA_AES128_GCM_SHA256("ECDHE-RSA-AES128-GCM-SHA256", Header.DTLS12, Protocol.DTLS_1_2),
    ECDHE_ECDSA_AES128_GCM_SHA256("ECDHE-ECDSA-AES128-GCM-SHA256", Header.DTLS12, Protocol.DTLS_1_2),
    AES256_GCM_SHA384("AES256-GCM-SHA384", Header.DTLS12, Protocol.DTLS_1_2),
    AES128_GCM_SHA256("AES128-GCM-SHA256", Header.DTLS12, Protocol.DTLS_1_2);

    /** Which CONNECT header a name belongs in. */
    public enum Header {
        DTLS("X-DTLS-CipherSuite"),
        DTLS12("X-DTLS12-CipherSuite");

        private final String name;

        Header(String name) {
            this.name = name;
        }

        public String headerName() {
            return name;
        }
    }

    /** The DTLS version a name stands for. */
    public enum Protocol {
        DTLS_0_9("DTLS0.9"),
        DTLS_1_2("DTLSv1.2");

        private final String label;

        Protocol(String label) {
            this.label = label;
        }

        /** As {@code /status} and the metrics show it: {@code DTLS0.9}, {@code DTLSv1.2}. */
        public String label() {
            return label;
        }
    }

    private final String openConnectName;
    private final Header header;
    private final Protocol protocol;

    DtlsCipher(String openConnectName, Header header, Protocol protocol) {
        this.openConnectName = openConnectName;
        this.header = header;
        this.protocol = protocol;
    }

    public String openConnectName() {
        return openConnectName;
    }

    public Header header() {
        return header;
    }

    public Protocol protocol() {
        return protocol;
    }

    /** The cipher of this name in this header's name space. */
    public static Optional<DtlsCipher> of(Header header, String name) {
        for (DtlsCipher cipher : values()) {
            if (cipher.header == header && cipher.openConnectName.equals(name)) {
                return Optional.of(cipher);
            }
        }
        return Optional.empty();
    }

    /** The names one header may carry, colon-separated, for error messages. */
    public static String known(Header header) {
        return Arrays.stream(values())
                .filter(c -> c.header == header)
                .map(DtlsCipher::openConnectName)
                .collect(Collectors.joining(":"));
    }
}
