package dev.corridor.sidecar.hostile;

import dev.corridor.sidecar.testing.NetworkNamespace;
import dev.corridor.sidecar.transport.PublicKeyPin;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Locale;
import java.util.Optional;
import java.util.function.IntPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A gateway that plays a script, for what ocserv cannot be made to send: a TLS server with a throwaway certificate,
 * listening on port 443 of an address inside a test's network namespace, that answers each HTTP request of its one
 * connection with the bytes the script gives. After its connection it refuses every other, as a gateway that went
 * away does, so a client that reconnects gives up.
 */
final class ScriptedGateway implements AutoCloseable {
    private static final int PORT = 443;
    /** Longer than any request the client sends; the gateway is a test tool, not a target. */
    private static final int MAX_REQUEST_HEAD = 64 * 1024;

    private static final Pattern CONTENT_LENGTH = Pattern.compile("(?im)^Content-Length:\\s*(\\d+)\\s*$");
    private static final char[] KEY_PASSWORD = "throwaway".toCharArray();

    /**
     * A request as the gateway read it: what the script needs to tell the steps of a login apart, and to check what the
     * client sent.
     *
     * @param clientCertificate the certificate the client presented on this request's connection, if asked and given
     */
    record Request(String method, String head, byte[] body, Optional<X509Certificate> clientCertificate) {
        /** The value of a request header, by name (any case). */
        Optional<String> header(String name) {
            Matcher value = Pattern.compile("(?im)^" + Pattern.quote(name) + ":\\s*(.*?)\\s*$")
                    .matcher(head);
            return value.find() ? Optional.of(value.group(1)) : Optional.empty();
        }

        boolean isConnect() {
            return method.equals("CONNECT");
        }

        String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** What the gateway sends for a request. It may block (a trickle) or never end (an endless header): the client decides. */
    @FunctionalInterface
    interface Reply {
        void writeTo(OutputStream out) throws IOException, InterruptedException;
    }

    /** Picks the reply to each request. */
    @FunctionalInterface
    interface Script {
        Reply answer(Request request);
    }

    private final ServerSocket listener;
    private final X509Certificate certificate;
    private final Thread acceptor;
    private volatile Socket connection;

    private ScriptedGateway(
            ServerSocket listener,
            X509Certificate certificate,
            SSLContext tls,
            Script script,
            int connections,
            IntPredicate asksForCertificate) {
        this.listener = listener;
        this.certificate = certificate;
        this.acceptor = Thread.ofPlatform().daemon().name("scripted-gateway").start(() -> {
            for (int i = 1; i <= connections && !listener.isClosed(); i++) {
                serveOne(tls, script, i == connections, asksForCertificate.test(i));
            }
        });
    }

    /**
     * Listens on {@code address}:443 inside the namespace (the socket is made on the namespace's thread), for one
     * connection: after it, the gateway is gone, and a client that comes back finds the port closed.
     */
    static ScriptedGateway start(NetworkNamespace namespace, InetAddress address, Script script) throws Exception {
        return start(namespace, address, script, 1);
    }

    /** The same, for {@code connections} connections one after the other (the script sees every request of each). */
    static ScriptedGateway start(NetworkNamespace namespace, InetAddress address, Script script, int connections)
            throws Exception {
        return start(namespace, address, script, connections, connection -> false);
    }

    /**
     * The same, asking the client for a certificate during the handshake of the connections {@code asksForCertificate}
     * picks (by number, from 1), as an ASA's tunnel group with certificate authentication does; any certificate is
     * accepted: the script judges it.
     */
    static ScriptedGateway start(
            NetworkNamespace namespace,
            InetAddress address,
            Script script,
            int connections,
            IntPredicate asksForCertificate)
            throws Exception {
        KeyPair key = KeyPairGenerator.getInstance("EC").generateKeyPair();
        X509Certificate certificate = selfSigned(key, address);
        KeyStore identity = KeyStore.getInstance("PKCS12");
        identity.load(null, null);
        identity.setKeyEntry("gateway", key.getPrivate(), KEY_PASSWORD, new Certificate[] {certificate});
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(identity, KEY_PASSWORD);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(keys.getKeyManagers(), new TrustManager[] {new AnyClientCertificate()}, null);
        ServerSocket listener = namespace.call(() -> new ServerSocket(PORT, 1, address));
        return new ScriptedGateway(listener, certificate, tls, script, connections, asksForCertificate);
    }

    /** Takes any client certificate: the script decides what a certificate is worth. */
    private static final class AnyClientCertificate implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("a gateway trusts no server");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }

    /** The pin that makes the client trust this gateway ({@code --servercert}). */
    PublicKeyPin pin() {
        return PublicKeyPin.of(certificate);
    }

    @Override
    public void close() throws IOException, InterruptedException {
        listener.close();
        Socket open = connection;
        if (open != null) {
            open.close();
        }
        acceptor.join(Duration.ofSeconds(10));
    }

    /**
     * Serves a connection: TLS over the accepted TCP socket, then request after request. After {@code CONNECT} the
     * connection carries CSTP, which the gateway reads and drops until the client leaves. The last one closes the port.
     */
    private void serveOne(SSLContext tls, Script script, boolean last, boolean askForCertificate) {
        try (Socket tcp = listener.accept();
                SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket(tcp, null, tcp.getPort(), true)) {
            if (last) {
                listener.close();
            }
            connection = socket;
            socket.setUseClientMode(false);
            socket.setWantClientAuth(askForCertificate);
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            Request request;
            while ((request = readRequest(in, socket)) != null) {
                script.answer(request).writeTo(out);
                out.flush();
                if (request.isConnect()) {
                    in.transferTo(OutputStream.nullOutputStream());
                    return;
                }
            }
        } catch (IOException e) {
            // the client went away, or closed the connection the script was still writing to: the end of every script
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The next request, or null when the client closed the connection. */
    private static Request readRequest(InputStream in, SSLSocket socket) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            head.write(b);
            matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : b == '\r' ? 1 : 0;
            if (head.size() > MAX_REQUEST_HEAD) {
                throw new IOException("the client's request head is longer than " + MAX_REQUEST_HEAD + " bytes");
            }
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        String method = text.substring(0, text.indexOf(' '));
        Matcher length = CONTENT_LENGTH.matcher(text);
        byte[] body = length.find() ? in.readNBytes(Integer.parseInt(length.group(1))) : new byte[0];
        Optional<X509Certificate> presented = Optional.empty();
        try {
            presented = Optional.of((X509Certificate) socket.getSession().getPeerCertificates()[0]);
        } catch (SSLPeerUnverifiedException e) {
            // none asked for, or none given
        }
        return new Request(method.toUpperCase(Locale.ROOT), text, body, presented);
    }

    private static X509Certificate selfSigned(KeyPair key, InetAddress address)
            throws GeneralSecurityException, IOException {
        X500Name name = new X500Name("CN=scripted-gateway.test");
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                name,
                BigInteger.valueOf(now.toEpochMilli()),
                Date.from(now.minus(Duration.ofDays(1))),
                Date.from(now.plus(Duration.ofDays(1))),
                name,
                key.getPublic());
        builder.addExtension(
                Extension.subjectAlternativeName,
                false,
                new GeneralNames(new GeneralName(GeneralName.iPAddress, address.getHostAddress())));
        try {
            return new JcaX509CertificateConverter()
                    .getCertificate(
                            builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }
}
