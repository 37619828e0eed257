package dev.corridor.operator.webhook;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/** What the webhook presents: its certificate (first) with any intermediates, and the private key. */
record ServingCertificate(List<X509Certificate> chain, PrivateKey key) {
    ServingCertificate {
        chain = List.copyOf(chain);
    }
}
