package dev.corridor.sidecar.training;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.Locale;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The login half of an AnyConnect gateway, on a loopback port of the training run's own process: TLS with a throwaway
 * certificate for {@code localhost}, then ocserv's two-step login (user name, then password; its forms as ocserv 1.1.6 sends them), ending
 * with a session cookie. It accepts any answer: it is a workout for the client, not a gateway.
 */
final class LoopbackGateway implements AutoCloseable {
    private static final char[] KEY_PASSWORD = "throwaway".toCharArray();
    /** Far above any request of the client's login; the server reads nothing it does not need. */
    private static final int MAX_REQUEST = 64 * 1024;

    /** ocserv's login form asking for one field, as ocserv 1.1.6 sends it. */
    private static final String FORM = """
            <?xml version="1.0" encoding="UTF-8"?>
            <config-auth client="vpn" type="auth-request">
            <version who="sg">0.1(1)</version>
            <auth id="main">
            <message>Please enter your %1$s.</message>
            <form method="post" action="/auth">
            <input type="%2$s" name="%1$s" label="%3$s:" />
            </form></auth>
            </config-auth>
            """;

    private static final String USERNAME_FORM = FORM.formatted("username", "text", "Username");
    private static final String PASSWORD_FORM = FORM.formatted("password", "password", "Password");
    private static final String SUCCESS = """
            <?xml version="1.0" encoding="UTF-8"?>
            <config-auth client="vpn" type="complete">
            <version who="sg">0.1(1)</version>
            <auth id="success">
            <title>SSL VPN Service</title></auth></config-auth>
            """;

    /** The name the certificate is issued to, so that the client checks the name as it checks a gateway's. */
    private static final String HOST = "localhost";

    private final SSLServerSocket server;
    private final X509Certificate certificate;
    private final Thread acceptor;

    private LoopbackGateway(SSLServerSocket server, X509Certificate certificate) {
        this.server = server;
        this.certificate = certificate;
        this.acceptor = Thread.ofPlatform().daemon().name("loopback-gateway").start(this::accept);
    }

    static LoopbackGateway start() throws IOException, GeneralSecurityException {
        KeyPair key = KeyPairGenerator.getInstance("EC").generateKeyPair();
        X509Certificate certificate = selfSigned(key);
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("gateway", key.getPrivate(), KEY_PASSWORD, new Certificate[] {certificate});
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, KEY_PASSWORD);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        SSLServerSocket server = (SSLServerSocket)
                context.getServerSocketFactory().createServerSocket(0, 8, InetAddress.getLoopbackAddress());
        return new LoopbackGateway(server, certificate);
    }

    /** The gateway's URL, for the client's command line. */
    String url() {
        return "https://" + HOST + ":" + server.getLocalPort() + "/";
    }

    /** Its certificate in PEM, for {@code --cafile}: a trust anchor of its own, checked as a CA's certificate is. */
    String certificatePem() throws GeneralSecurityException {
        return "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(certificate.getEncoded())
                + "\n-----END CERTIFICATE-----\n";
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket connection = server.accept();
                Thread.ofVirtual().name("loopback-login").start(() -> serve(connection));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    /** Answers requests on one connection until the client closes it. */
    private static void serve(Socket connection) {
        try (connection) {
            InputStream in = new BufferedInputStream(connection.getInputStream());
            OutputStream out = connection.getOutputStream();
            String body;
            while ((body = readRequestBody(in)) != null) {
                if (body.contains("<password>")) {
                    reply(out, SUCCESS, "Set-Cookie: webvpn=training-session; Secure; HttpOnly");
                } else if (body.contains("<username>")) {
                    reply(out, PASSWORD_FORM, "Set-Cookie: webvpncontext=training; Max-Age=300; Secure; HttpOnly");
                } else {
                    reply(out, USERNAME_FORM, "Set-Cookie: webvpncontext=; Secure; HttpOnly");
                }
            }
        } catch (IOException e) {
            // The client went away; the next connection gets a fresh start.
        }
    }

    /** The body of the next request, or null at the end of the connection. */
    private static String readRequestBody(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int lastFour = 0;
        while (lastFour != 0x0d0a0d0a) { // CR LF CR LF
            int b = in.read();
            if (b < 0) {
                return null;
            }
            if (head.size() >= MAX_REQUEST) {
                throw new IOException("request head too long");
            }
            head.write(b);
            lastFour = (lastFour << 8) | b;
        }
        int length = 0;
        for (String line : head.toString(StandardCharsets.ISO_8859_1).split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(
                        line.substring("content-length:".length()).strip());
            }
        }
        if (length > MAX_REQUEST) {
            throw new IOException("request body too long");
        }
        return new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

    private static void reply(OutputStream out, String xml, String cookie) throws IOException {
        byte[] body = xml.getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 200 OK\r\n" + "Connection: Keep-Alive\r\n" + "Content-Type: text/xml\r\n"
                + "Content-Length: " + body.length + "\r\n" + cookie + "\r\n" + "X-Transcend-Version: 1\r\n\r\n";
        out.write(head.getBytes(StandardCharsets.ISO_8859_1));
        out.write(body);
        out.flush();
    }

    private static X509Certificate selfSigned(KeyPair key) throws GeneralSecurityException {
        Instant now = Instant.now();
        X500Name name = new X500Name("CN=" + HOST);
        try {
            return new JcaX509CertificateConverter()
                    .getCertificate(new JcaX509v3CertificateBuilder(
                                    name,
                                    BigInteger.valueOf(now.toEpochMilli()),
                                    Date.from(now.minus(Duration.ofMinutes(1))),
                                    Date.from(now.plus(Duration.ofHours(1))),
                                    name,
                                    key.getPublic())
                            .addExtension(
                                    Extension.subjectAlternativeName,
                                    false,
                                    new GeneralNames(new GeneralName(GeneralName.dNSName, HOST)))
                            .build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())));
        } catch (OperatorCreationException | CertIOException e) {
            throw new GeneralSecurityException("cannot sign the training certificate", e);
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        try {
            acceptor.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
