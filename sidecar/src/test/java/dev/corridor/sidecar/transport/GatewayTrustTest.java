package dev.corridor.sidecar.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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

    private Path caFile() {
        return CA.writePem(dir.resolve("ca.pem"));
    }

    private LoopbackTlsServer serve(TestCertificates.Identity identity) throws Exception {
        LoopbackTlsServer server = LoopbackTlsServer.start(identity);
        open.add(server);
        return server;
    }

    private void assertAccepted(TestCertificates.Identity identity, TrustPolicy policy) throws Exception {
        LoopbackTlsServer server = serve(identity);
        TlsConnection connection = connector(policy).connect(server.url());
        open.add(connection);
        assertThat(connection.session().getPeerCertificates()[0]).isEqualTo(identity.certificate());
        await().atMost(Duration.ofSeconds(10)).until(() -> server.handshakesCompleted() == 1);
    }

    private UntrustedCertificateException assertRefused(TestCertificates.Identity identity, TrustPolicy policy)
            throws Exception {
        LoopbackTlsServer server = serve(identity);
        Throwable thrown = catchThrowable(() -> open.add(connector(policy).connect(server.url())));
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
}
