package dev.corridor.sidecar.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.corridor.sidecar.testing.Commands;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Client certificates and keys in the forms openconnect reads, made by the openssl command line as users make them:
 * RSA and EC, PKCS#1, SEC1, PKCS#8, encrypted PKCS#8, OpenSSL's legacy encrypted PEM, PKCS#12, and a chain.
 */
class ClientIdentityTest {
    private static final char[] PASSWORD = "key-secret".toCharArray();

    @TempDir
    static Path dir;

    @BeforeAll
    static void makeKeysAndCertificates() throws Exception {
        openssl("req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=ca -keyout ca.key -out ca.pem");
        openssl("genrsa -traditional -out rsa-pkcs1.key 2048");
        openssl("req -new -key rsa-pkcs1.key -subj /CN=alice -out rsa.csr");
        openssl("x509 -req -in rsa.csr -CA ca.pem -CAkey ca.key -days 2 -out rsa.pem");
        openssl("pkcs8 -topk8 -nocrypt -in rsa-pkcs1.key -out rsa-pkcs8.key");
        openssl("pkcs8 -topk8 -v2 aes-256-cbc -passout pass:key-secret -in rsa-pkcs1.key -out rsa-pkcs8-encrypted.key");
        openssl("rsa -traditional -aes256 -passout pass:key-secret -in rsa-pkcs1.key -out rsa-legacy-encrypted.key");
        openssl(
                "pkcs12 -export -inkey rsa-pkcs1.key -in rsa.pem -certfile ca.pem -passout pass:key-secret -out alice.p12");
        openssl("ecparam -name prime256v1 -genkey -out ec-sec1.key");
        openssl("req -x509 -key ec-sec1.key -days 2 -subj /CN=machine -out ec.pem");
        Files.writeString(
                dir.resolve("rsa-chain.pem"),
                Files.readString(dir.resolve("rsa.pem")) + Files.readString(dir.resolve("ca.pem")));
        Files.writeString(
                dir.resolve("combined.pem"),
                Files.readString(dir.resolve("rsa.pem")) + Files.readString(dir.resolve("rsa-pkcs8.key")));
    }

    @Test
    void everyKeyFormOpensAndMatchesItsCertificate() throws Exception {
        for (String key : List.of("rsa-pkcs1.key", "rsa-pkcs8.key")) {
            ClientIdentity identity = ClientIdentity.load(file("rsa.pem"), Optional.of(file(key)), Optional.empty());
            assertThat(identity.key().getAlgorithm()).as(key).isEqualTo("RSA");
            assertThat(identity.certificate().getSubjectX500Principal().getName())
                    .isEqualTo("CN=alice");
        }
        for (String key : List.of("rsa-pkcs8-encrypted.key", "rsa-legacy-encrypted.key")) {
            assertThat(ClientIdentity.load(file("rsa.pem"), Optional.of(file(key)), Optional.of(PASSWORD))
                            .key()
                            .getAlgorithm())
                    .as(key)
                    .isEqualTo("RSA");
        }
        assertThat(ClientIdentity.load(file("ec.pem"), Optional.of(file("ec-sec1.key")), Optional.empty())
                        .key()
                        .getAlgorithm())
                .isEqualTo("EC");
        assertThat(ClientIdentity.load(file("combined.pem"), Optional.empty(), Optional.empty())
                        .certificate()
                        .getSubjectX500Principal()
                        .getName())
                .as("certificate and key in one file")
                .isEqualTo("CN=alice");
    }

    @Test
    void theChainAndPkcs12Come() throws Exception {
        assertThat(ClientIdentity.load(file("rsa-chain.pem"), Optional.of(file("rsa-pkcs1.key")), Optional.empty())
                        .chain())
                .extracting(c -> c.getSubjectX500Principal().getName())
                .containsExactly("CN=alice", "CN=ca");
        ClientIdentity p12 = ClientIdentity.load(file("alice.p12"), Optional.empty(), Optional.of(PASSWORD));
        assertThat(p12.chain())
                .extracting(c -> c.getSubjectX500Principal().getName())
                .containsExactly("CN=alice", "CN=ca");
        assertThat(p12.toString()).contains("CN=alice").doesNotContain("key-secret");
    }

    @Test
    void eachMistakeIsNamed() {
        assertThatThrownBy(
                        () -> ClientIdentity.load(file("rsa.pem"), Optional.of(file("ec-sec1.key")), Optional.empty()))
                .isInstanceOf(ClientIdentityException.class)
                .hasMessageContaining("does not belong to the certificate");
        assertThatThrownBy(() -> ClientIdentity.load(
                        file("rsa.pem"), Optional.of(file("rsa-pkcs8-encrypted.key")), Optional.empty()))
                .hasMessageContaining("is encrypted; give its password with --key-password-file");
        assertThatThrownBy(() -> ClientIdentity.load(
                        file("rsa.pem"),
                        Optional.of(file("rsa-legacy-encrypted.key")),
                        Optional.of("not-it-7Qx".toCharArray())))
                .hasMessageContaining("cannot decrypt the key")
                .hasMessageNotContaining("not-it-7Qx");
        assertThatThrownBy(() -> ClientIdentity.load(
                        file("alice.p12"), Optional.empty(), Optional.of("not-it-7Qx".toCharArray())))
                .hasMessageContaining("cannot open the PKCS#12 file")
                .hasMessageNotContaining("not-it-7Qx");
        assertThatThrownBy(() -> ClientIdentity.load(file("rsa.pem"), Optional.empty(), Optional.empty()))
                .hasMessageContaining("no private key in")
                .hasMessageContaining("--sslkey");
        assertThatThrownBy(() -> ClientIdentity.load(file("missing.pem"), Optional.empty(), Optional.empty()))
                .hasMessageContaining("missing.pem does not exist");
        assertThatThrownBy(() -> ClientIdentity.load(file("rsa-pkcs1.key"), Optional.empty(), Optional.empty()))
                .hasMessageContaining("holds no certificate");
    }

    private static Path file(String name) {
        return dir.resolve(name);
    }

    private static void openssl(String arguments) throws Exception {
        Commands.run(List.of("bash", "-c", "cd " + dir + " && openssl " + arguments));
    }
}
