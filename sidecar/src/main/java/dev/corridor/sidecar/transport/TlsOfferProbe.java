package dev.corridor.sidecar.transport;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Hashtable;
import java.util.Optional;
import java.util.Vector;
import org.bouncycastle.tls.AbstractTlsClient;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.NameType;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.ServerName;
import org.bouncycastle.tls.TlsAuthentication;
import org.bouncycastle.tls.TlsClientProtocol;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.crypto.TlsCrypto;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCryptoProvider;

/**
 * Asks a gateway whose TLS handshake failed what it would choose if offered everything Bouncy Castle speaks, down to
 * TLS 1.0 and 3DES, so that the refusal can name it. It reads the ServerHello and breaks off there: no key is
 * exchanged, nothing is sent after the ClientHello but the abort.
 */
final class TlsOfferProbe {
    /** The gateway's choice. */
    record Choice(ProtocolVersion version, int cipherSuite) {
        /** The JDK's name of the version: TLSv1, TLSv1.1, TLSv1.2, TLSv1.3. */
        String protocol() {
            if (version.equals(ProtocolVersion.TLSv10)) {
                return "TLSv1";
            }
            return version.equals(ProtocolVersion.TLSv11)
                    ? "TLSv1.1"
                    : version.equals(ProtocolVersion.TLSv12) ? "TLSv1.2" : version.toString();
        }

        /** The IANA name, from Bouncy Castle's constants of that name. */
        String suite() {
            for (java.lang.reflect.Field field : CipherSuite.class.getFields()) {
                try {
                    if (field.getType() == int.class
                            && field.getName().startsWith("TLS_")
                            && field.getInt(null) == cipherSuite) {
                        return field.getName();
                    }
                } catch (IllegalAccessException e) {
                    break;
                }
            }
            return String.format("0x%04X", cipherSuite);
        }

        /** What the JDK refuses however Corridor is configured: TLS before 1.2, 3DES, RC4, DES, NULL, anonymous. */
        boolean obsolete() {
            String suite = suite();
            return !version.isEqualOrLaterVersionOf(ProtocolVersion.TLSv12)
                    || suite.contains("3DES")
                    || suite.contains("RC4")
                    || suite.contains("_DES_")
                    || suite.contains("NULL")
                    || suite.contains("_anon_");
        }

        boolean rsaKeyExchange() {
            return suite().startsWith("TLS_RSA_");
        }

        @Override
        public String toString() {
            return protocol() + " with " + suite();
        }
    }

    private static final int[] EVERYTHING = {
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, CipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, CipherSuite.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
        CipherSuite.TLS_DHE_RSA_WITH_AES_256_GCM_SHA384, CipherSuite.TLS_DHE_RSA_WITH_AES_128_GCM_SHA256,
        CipherSuite.TLS_DHE_RSA_WITH_AES_256_CBC_SHA, CipherSuite.TLS_DHE_RSA_WITH_AES_128_CBC_SHA,
        CipherSuite.TLS_RSA_WITH_AES_256_GCM_SHA384, CipherSuite.TLS_RSA_WITH_AES_128_GCM_SHA256,
        CipherSuite.TLS_RSA_WITH_AES_256_CBC_SHA256, CipherSuite.TLS_RSA_WITH_AES_128_CBC_SHA256,
        CipherSuite.TLS_RSA_WITH_AES_256_CBC_SHA, CipherSuite.TLS_RSA_WITH_AES_128_CBC_SHA,
        CipherSuite.TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA, CipherSuite.TLS_RSA_WITH_3DES_EDE_CBC_SHA
    };

    private TlsOfferProbe() {}

    /** The gateway's choice, or empty when it chose nothing Bouncy Castle offers either (or did not answer). */
    static Optional<Choice> probe(InetSocketAddress remote, String serverName, Duration timeout) {
        TlsCrypto crypto = new JcaTlsCryptoProvider().create(new SecureRandom());
        ChoiceRecorder client = new ChoiceRecorder(crypto, serverName);
        try (Socket socket = new Socket()) {
            socket.connect(remote, (int) timeout.toMillis());
            socket.setSoTimeout((int) timeout.toMillis());
            new TlsClientProtocol(socket.getInputStream(), socket.getOutputStream()).connect(client);
        } catch (IOException e) {
            // expected: the probe breaks off at the ServerHello
        }
        return client.suite < 0 || client.version == null
                ? Optional.empty()
                : Optional.of(new Choice(client.version, client.suite));
    }

    private static final class ChoiceRecorder extends AbstractTlsClient {
        private final String serverName;
        private ProtocolVersion version;
        private int suite = -1;

        ChoiceRecorder(TlsCrypto crypto, String serverName) {
            super(crypto);
            this.serverName = serverName;
        }

        @Override
        protected ProtocolVersion[] getSupportedVersions() {
            return ProtocolVersion.TLSv12.downTo(ProtocolVersion.TLSv10);
        }

        @Override
        protected int[] getSupportedCipherSuites() {
            return TlsUtils.getSupportedCipherSuites(getCrypto(), EVERYTHING);
        }

        @Override
        protected Vector<ServerName> getSNIServerNames() {
            if (serverName == null
                    || serverName.isEmpty()
                    || Character.isDigit(serverName.charAt(serverName.length() - 1))
                    || serverName.contains(":")) {
                return null;
            }
            Vector<ServerName> names = new Vector<>();
            names.add(new ServerName(
                    NameType.host_name, serverName.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
            return names;
        }

        @Override
        public void notifyServerVersion(ProtocolVersion serverVersion) throws IOException {
            version = serverVersion;
        }

        @Override
        public void notifySelectedCipherSuite(int selectedCipherSuite) {
            suite = selectedCipherSuite;
        }

        /** Comes after the ServerHello and before any key: the end of the probe. */
        @Override
        public TlsAuthentication getAuthentication() throws IOException {
            throw new TlsFatalAlert(AlertDescription.user_canceled);
        }

        @Override
        public void processServerExtensions(Hashtable serverExtensions) throws IOException {
            if (suite >= 0) {
                throw new TlsFatalAlert(AlertDescription.user_canceled);
            }
        }
    }
}
