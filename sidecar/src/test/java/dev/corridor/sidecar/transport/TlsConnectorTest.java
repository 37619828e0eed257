package dev.corridor.sidecar.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TlsConnectorTest {

    /**
     * The certificate check runs as a task of the TLS engine; when it refuses the certificate, the engine closes its
     * inbound side. When the certificate is the last thing that has arrived, the refusal must still be reported as
     * one (with the pin to trust), not as a gateway that closed the connection.
     */
    @Test
    void aCertificateRefusedWithNothingElseArrivedIsReportedAsUntrusted() throws Exception {
        TestCertificates.Identity gateway = TestCertificates.selfSigned("127.0.0.1");
        TrustPolicy pinnedElsewhere =
                new TrustPolicy(List.of(TestCertificates.selfSigned("127.0.0.1").pin()), Optional.empty());
        try (LoopbackTlsServer server = LoopbackTlsServer.start(gateway, socket -> {}, "TLSv1.2");
                HandshakeSplittingRelay relay = new HandshakeSplittingRelay(
                        new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port()))) {
            TlsConnector connector = new TlsConnector(pinnedElsewhere, Duration.ofSeconds(10), Duration.ofSeconds(20));

            Throwable thrown = catchThrowable(() -> connector.connect(new GatewayUrl("127.0.0.1", relay.port(), "/")));

            assertThat(relay.heldBackAfterTheCertificate())
                    .as("the certificate was the last thing the client had; thrown: " + thrown)
                    .isTrue();
            assertThat(thrown)
                    .isInstanceOf(UntrustedCertificateException.class)
                    .hasMessageContaining("pin it with --servercert " + gateway.pin());
        }
    }
}
