package dev.corridor.operator.webhook;

import io.fabric8.kubernetes.api.model.GroupVersionKindBuilder;
import io.fabric8.kubernetes.api.model.GroupVersionResourceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequestBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReviewBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import java.util.UUID;
import javax.net.ssl.CertPathTrustManagerParameters;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * Talks to the webhook as the API server does: over TLS, trusting only the caBundle, and checking that the
 * certificate names the webhook's Service (the test connects to loopback, so the name is checked here).
 */
final class AdmissionClient {
    private final int port;
    /** One factory for every request, so that HttpsURLConnection reuses kept-alive connections as the API server does. */
    private final SSLSocketFactory tls;

    private final String serviceName;
    private final KubernetesSerialization serialization = new KubernetesSerialization();

    /** A response and the certificate the server presented. */
    record Answer(int code, String body, X509Certificate certificate) {}

    AdmissionClient(int port, String caBundlePem, String serviceName) throws GeneralSecurityException, IOException {
        this(port, caBundlePem, serviceName, Instant.now());
    }

    /** Judges the certificate's validity at {@code validAt}, for tests whose operator runs on a clock moved forward. */
    AdmissionClient(int port, String caBundlePem, String serviceName, Instant validAt)
            throws GeneralSecurityException, IOException {
        this.port = port;
        this.serviceName = serviceName;
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        int index = 0;
        for (Certificate ca : CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(caBundlePem.getBytes(StandardCharsets.US_ASCII)))) {
            trusted.setCertificateEntry("ca-" + index++, ca);
        }
        PKIXBuilderParameters parameters = new PKIXBuilderParameters(trusted, new X509CertSelector());
        parameters.setRevocationEnabled(false);
        parameters.setDate(Date.from(validAt));
        TrustManagerFactory trust = TrustManagerFactory.getInstance("PKIX");
        trust.init(new CertPathTrustManagerParameters(parameters));
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        tls = context.getSocketFactory();
    }

    /** The creation of this pod in this namespace, as the API server asks about it. */
    AdmissionReview review(Pod pod, String namespace) throws IOException {
        return review(new AdmissionRequestBuilder()
                .withUid(UUID.randomUUID().toString())
                .withKind(new GroupVersionKindBuilder()
                        .withGroup("")
                        .withVersion("v1")
                        .withKind("Pod")
                        .build())
                .withResource(new GroupVersionResourceBuilder()
                        .withGroup("")
                        .withVersion("v1")
                        .withResource("pods")
                        .build())
                .withNamespace(namespace)
                .withOperation("CREATE")
                .withObject(pod)
                .build());
    }

    AdmissionReview review(AdmissionRequest request) throws IOException {
        AdmissionReview review = new AdmissionReviewBuilder()
                .withApiVersion("admission.k8s.io/v1")
                .withKind("AdmissionReview")
                .withRequest(request)
                .build();
        Answer answer = send("POST", "/mutate-pods", serialization.asJson(review));
        if (answer.code() != 200) {
            throw new IOException("webhook answered " + answer.code() + ": " + answer.body());
        }
        AdmissionReview response = serialization.unmarshal(answer.body(), AdmissionReview.class);
        if (!request.getUid().equals(response.getResponse().getUid())) {
            throw new IOException("the response's uid is not the request's");
        }
        return response;
    }

    Answer send(String method, String path, String body) throws IOException {
        HttpsURLConnection connection = (HttpsURLConnection)
                URI.create("https://127.0.0.1:" + port + path).toURL().openConnection();
        connection.setSSLSocketFactory(tls);
        connection.setHostnameVerifier((host, session) -> {
            try {
                return ((X509Certificate) session.getPeerCertificates()[0])
                        .getSubjectAlternativeNames().stream()
                                .anyMatch(name -> name.get(1).equals(serviceName));
            } catch (SSLPeerUnverifiedException | java.security.cert.CertificateParsingException e) {
                return false;
            }
        });
        connection.setRequestMethod(method);
        if (body != null) {
            connection.setDoOutput(true);
            connection.setRequestProperty("Content-Type", "application/json");
            try (OutputStream out = connection.getOutputStream()) {
                out.write(body.getBytes(StandardCharsets.UTF_8));
            }
        }
        int code = connection.getResponseCode();
        X509Certificate presented = (X509Certificate) connection.getServerCertificates()[0];
        try (InputStream in = code < 400 ? connection.getInputStream() : connection.getErrorStream()) {
            return new Answer(code, in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8), presented);
        }
    }
}
