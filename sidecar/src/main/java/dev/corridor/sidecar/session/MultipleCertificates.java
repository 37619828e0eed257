package dev.corridor.sidecar.session;

import dev.corridor.sidecar.protocol.auth.AuthenticationException;
import dev.corridor.sidecar.transport.ClientIdentity;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Locale;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cms.CMSAbsentContent;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.CMSSignedDataGenerator;

/**
 * The user certificate's part of ASA multiple-certificate authentication (openconnect {@code auth.c
 * post_multicert_response}, {@code multicert.c}; {@code tests/fake-cisco-server.py} checks it): the chain as a PKCS#7
 * certs-only structure, and a signature with the user key over the exact bytes of the gateway's request, with the
 * strongest hash the gateway offers.
 */
final class MultipleCertificates {
    /** Strongest first: openconnect picks the first of these the gateway lists. */
    private static final List<String> HASHES = List.of("sha512", "sha384", "sha256");

    record Answer(byte[] chainPkcs7, String hash, byte[] signature) {}

    private MultipleCertificates() {}

    static Answer answer(ClientIdentity user, List<String> offeredHashes, byte[] request)
            throws AuthenticationException {
        List<String> offered = offeredHashes.stream()
                .map(h -> h.strip().toLowerCase(Locale.ROOT))
                .toList();
        String hash = HASHES.stream()
                .filter(offered::contains)
                .findFirst()
                .orElseThrow(() ->
                        AuthenticationException.unanswerable("the gateway asks for a user-certificate signature with "
                                + offeredHashes + ", none of sha256, sha384, sha512"));
        String algorithm = hash.toUpperCase(Locale.ROOT) + "with"
                + switch (user.key().getAlgorithm()) {
                    case "RSA" -> "RSA";
                    case "EC" -> "ECDSA";
                    default ->
                        throw AuthenticationException.unanswerable(
                                "the user certificate's key is " + user.key().getAlgorithm()
                                        + "; multiple-certificate authentication signs with RSA or EC keys");
                };
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(user.key());
            signer.update(request);
            return new Answer(certsOnly(user.chain()), hash, signer.sign());
        } catch (GeneralSecurityException | IOException | CMSException e) {
            throw AuthenticationException.unanswerable(
                    "cannot sign the gateway's certificate request with the user certificate: " + e.getMessage());
        }
    }

    /** The chain without its root, as a DER certs-only SignedData. */
    private static byte[] certsOnly(List<X509Certificate> chain)
            throws GeneralSecurityException, IOException, CMSException {
        List<X509Certificate> withoutRoot = chain.stream()
                .filter(c -> chain.size() == 1 || !c.getSubjectX500Principal().equals(c.getIssuerX500Principal()))
                .toList();
        CMSSignedDataGenerator generator = new CMSSignedDataGenerator();
        generator.addCertificates(new JcaCertStore(withoutRoot));
        return generator.generate(new CMSAbsentContent()).getEncoded();
    }
}
