package dev.corridor.sidecar.transport;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Presents the one configured client certificate whenever the gateway asks for one and its key suits the signature
 * the handshake needs. Unlike the JDK's key managers it ignores the issuers the gateway lists, as openconnect does:
 * ASAs often list none, or another CA than the one that issued the certificate.
 */
final class ClientKeyManager extends X509ExtendedKeyManager {
    private static final String ALIAS = "client";

    private final ClientIdentity identity;

    ClientKeyManager(ClientIdentity identity) {
        this.identity = identity;
    }

    @Override
    public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
        return chooseClientAlias(keyTypes, issuers, null);
    }

    @Override
    public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
        String algorithm = identity.key().getAlgorithm();
        for (String keyType : keyTypes) {
            // TLS 1.3 asks for "RSASSA-PSS" for RSA keys, TLS 1.2 for "RSA", "EC" and the like.
            if (keyType.equals(algorithm)
                    || (keyType.equals("RSASSA-PSS") && algorithm.equals("RSA"))
                    || keyType.startsWith(algorithm + "_")) {
                return ALIAS;
            }
        }
        return null;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        return ALIAS.equals(alias) ? identity.chain().toArray(X509Certificate[]::new) : null;
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        return ALIAS.equals(alias) ? identity.key() : null;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return chooseClientAlias(new String[] {keyType}, issuers, null) == null ? null : new String[] {ALIAS};
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return null;
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return null;
    }
}
