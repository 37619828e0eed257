import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * The least any Java client of the gateway does before its first packet: one TLS connection, the certificate checked
 * against a CA file, one HTTP request answered. scripts/bench.sh runs it with the sidecar's JVM options and an AOT
 * cache of its own, beside Corridor and openconnect, so that the run shows the time and memory below which no client
 * on this JVM can go: login, CONNECT, the tun device and DTLS all come after it.
 *
 * <p>Usage: JvmFloor GATEWAY_URL CA_FILE [STAY_MS]. Prints the status line of the answer; with STAY_MS, stays that long
 * afterwards so that its memory can be read.
 */
public final class JvmFloor {
    public static void main(String[] args) throws Exception {
        URI gateway = URI.create(args[0]);
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        try (InputStream ca = new FileInputStream(args[1])) {
            trusted.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(ca));
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance("PKIX");
        trust.init(trusted);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        int port = gateway.getPort() < 0 ? 443 : gateway.getPort();
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(gateway.getHost(), port)) {
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            socket.setSSLParameters(parameters);
            OutputStream out = socket.getOutputStream();
            out.write(("GET / HTTP/1.1\r\nHost: " + gateway.getHost() + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            var in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            System.out.println(in.readLine());
        }
        if (args.length > 2) {
            Thread.sleep(Long.parseLong(args[2]));
        }
    }
}
