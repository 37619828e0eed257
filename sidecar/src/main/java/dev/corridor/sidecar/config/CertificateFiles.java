package dev.corridor.sidecar.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Where a client certificate is: the certificate (PEM, with its chain, or PKCS#12), its key when in a file of its own,
 * and the password of an encrypted key or PKCS#12 file. Read again at every login.
 */
public record CertificateFiles(Path certificate, Optional<Path> key, Optional<Path> passwordFile) {}
