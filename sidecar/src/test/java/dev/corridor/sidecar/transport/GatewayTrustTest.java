package dev.corridor.sidecar.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which gateway certificates {@link TlsConnector} accepts, as the README's "Certificate trust" documents it: without
 * pins, a chain to a trusted CA that names the gateway's host; with {@code --servercert} pins, a pinned key, or (when
 * {@code --cafile} is given too) a chain to that CA that names the host. Each case against a real TLS server on
 * loopback; a refusal happens in the handshake, so the server never completes one.
 */
class GatewayTrustTest {
    private static final String GATEWAY = "127.0.0.1";
    private static final TestCertificates.Authority CA = TestCertificates.Authority.create("Corridor Test CA");
    private static final TestCertificates.Authority SYSTEM_CA = TestCertificates.Authority.create("A System CA");

    @TempDir
    Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable closeable : open.reversed()) {
            closeable.close();
        }
    }

    @Test
    void aCertificateFromTheCaForTheGatewaysHostIsAccepted() throws Exception {
        assertAccepted(CA.issue(GATEWAY), new TrustPolicy(List.of(), Optional.of(caFile())));
    }

    @Test
    void aCertificateFromTheCaForAnotherHostIsRefused() throws Exception {
        TestCertificates.Identity elsewhere = CA.issue("vpn.elsewhere.test", "127.0.0.2");
        assertRefused(elsewhere, new TrustPolicy(List.of(), Optional.of(caFile())));
    }

    @Test
    void aSelfSignedCertificateIsRefusedAndItsPinOffered() throws Exception {
        TestCertificates.Identity selfSigned = TestCertificates.selfSigned(GATEWAY);
        UntrustedCertificateException refused =
                assertRefused(selfSigned, new TrustPolicy(List.of(), Optional.of(caFile())));
        assertThat(refused.getMessage()).contains("pin it with --servercert " + selfSigned.pin());
    }

    /** A pin is the gateway's identity, as openconnect's --servercert: the names in its certificate do not matter. */
    @Test
    void withPinsAndACaAPinnedKeyIsAccepted() throws Exception {
        TestCertificates.Identity pinned = TestCertificates.selfSigned("vpn.elsewhere.test");
        assertAccepted(pinned, new TrustPolicy(List.of(pinned.pin()), Optional.of(caFile())));
    }

    @Test
    void withPinsAndACaAnotherKeyFromTheCaIsAccepted() throws Exception {
        TestCertificates.Identity pinned = TestCertificates.selfSigned(GATEWAY);
        assertAccepted(CA.issue(GATEWAY), new TrustPolicy(List.of(pinned.pin()), Optional.of(caFile())));
    }

    @Test
    void withPinsAndACaAnUnpinnedSelfSignedKeyIsRefused() throws Exception {
        TestCertificates.Identity pinned = TestCertificates.selfSigned(GATEWAY);
        assertRefused(
                TestCertificates.selfSigned(GATEWAY), new TrustPolicy(List.of(pinned.pin()), Optional.of(caFile())));
    }

    /** The CA's alternative to the pins checks the host name as it does without pins. */
    @Test
    void withPinsAndACaAnotherKeyFromTheCaForAnotherHostIsRefused() throws Exception {
        TestCertificates.Identity pinned = TestCertificates.selfSigned(GATEWAY);
        assertRefused(CA.issue("vpn.elsewhere.test"), new TrustPolicy(List.of(pinned.pin()), Optional.of(caFile())));
    }

    @Test
    void withPinsAloneAnotherKeyIsRefusedEvenFromACa() throws Exception {
        TestCertificates.Identity pinned = TestCertificates.selfSigned(GATEWAY);
        assertRefused(CA.issue(GATEWAY), new TrustPolicy(List.of(pinned.pin()), Optional.empty()));
    }

    /**
     * The system store is read only for a certificate the CA file refuses: with a CA file that accepts the gateway,
     * the start never parses the system's ~150 certificates.
     */
    @Test
    void aCaFileThatAcceptsTheGatewaySparesTheSystemStore() throws Exception {
        AtomicInteger reads = new AtomicInteger();
        TlsConnector connector = caFileThenSystemStore(reads);
        assertAccepted(CA.issue(GATEWAY), connector);
        assertAccepted(CA.issue(GATEWAY), connector);
        assertThat(reads).as("system store reads").hasValue(0);
    }

    @Test
    void aCertificateTheCaFileRefusesIsCheckedAgainstTheSystemStoreReadOnce() throws Exception {
        AtomicInteger reads = new AtomicInteger();
        TlsConnector connector = caFileThenSystemStore(reads);
        assertAccepted(SYSTEM_CA.issue(GATEWAY), connector);
        assertAccepted(SYSTEM_CA.issue(GATEWAY), connector);
        assertThat(reads).as("system store reads").hasValue(1);
    }

    /** Refused by both, the refusal gives the CA file's reason (the host), not the system store's (the issuer). */
    @Test
    void refusedByTheCaFileAndTheSystemStoreTheCaFilesReasonIsGiven() throws Exception {
        AtomicInteger reads = new AtomicInteger();
        TlsConnector connector = caFileThenSystemStore(reads);
        UntrustedCertificateException refused = assertRefused(CA.issue("vpn.elsewhere.test", "127.0.0.2"), connector);
        assertThat(reads).as("system store reads").hasValue(1);
        assertThat(refused.getMessage()).contains("127.0.0.1").doesNotContain("PKIX");
    }

    @Test
    void aSystemStoreThatCannotBeReadRefusesTheCertificateSayingWhy() throws Exception {
        TlsConnector connector = connector(TrustPolicy.systemDefault(), () -> {
            throw new IllegalStateException("cannot load the trust store: keystore password was incorrect");
        });
        UntrustedCertificateException refused = assertRefused(CA.issue(GATEWAY), connector);
        assertThat(refused.getMessage()).contains("cannot load the trust store: keystore password was incorrect");
    }

    private Path caFile() {
        return CA.writePem(dir.resolve("ca.pem"));
    }

    private LoopbackTlsServer serve(TestCertificates.Identity identity) throws Exception {
        LoopbackTlsServer server = LoopbackTlsServer.start(identity);
        open.add(server);
        return server;
    }

    private void assertAccepted(TestCertificates.Identity identity, TrustPolicy policy) throws Exception {
        assertAccepted(identity, connector(policy));
    }

    private void assertAccepted(TestCertificates.Identity identity, TlsConnector connector) throws Exception {
        LoopbackTlsServer server = serve(identity);
        TlsConnection connection = connector.connect(server.url());
        open.add(connection);
        assertThat(connection.session().getPeerCertificates()[0]).isEqualTo(identity.certificate());
        await().atMost(Duration.ofSeconds(10)).until(() -> server.handshakesCompleted() == 1);
    }

    private UntrustedCertificateException assertRefused(TestCertificates.Identity identity, TrustPolicy policy)
            throws Exception {
        return assertRefused(identity, connector(policy));
    }

    private UntrustedCertificateException assertRefused(TestCertificates.Identity identity, TlsConnector connector)
            throws Exception {
        LoopbackTlsServer server = serve(identity);
        Throwable thrown = catchThrowable(() -> open.add(connector.connect(server.url())));
        assertThat(thrown)
                .isInstanceOf(UntrustedCertificateException.class)
                .hasMessageContaining("the gateway's certificate is not trusted");
        UntrustedCertificateException refused = (UntrustedCertificateException) thrown;
        assertThat(refused.pin()).as("the refused certificate's pin").isEqualTo(identity.pin());
        assertThat(server.handshakesCompleted()).isZero();
        return refused;
    }

    private static TlsConnector connector(TrustPolicy policy) {
        return new TlsConnector(policy, Duration.ofSeconds(10), Duration.ofSeconds(20));
    }

    private static TlsConnector connector(TrustPolicy policy, Supplier<X509ExtendedTrustManager> systemStore) {
        return new TlsConnector(policy, Duration.ofSeconds(10), Duration.ofSeconds(20), false, systemStore);
    }

    /** Trusts the CA file, then a stand-in for the system store that trusts {@code SYSTEM_CA} and counts its reads. */
    private TlsConnector caFileThenSystemStore(AtomicInteger reads) {
        return connector(new TrustPolicy(List.of(), Optional.of(caFile())), () -> {
            reads.incrementAndGet();
            try {
                KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
                store.load(null, null);
                store.setCertificateEntry("system", SYSTEM_CA.certificate());
                TrustManagerFactory factory =
                        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                factory.init(store);
                return (X509ExtendedTrustManager) factory.getTrustManagers()[0];
            } catch (GeneralSecurityException | IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }
}
