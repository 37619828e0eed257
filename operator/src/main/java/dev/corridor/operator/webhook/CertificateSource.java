package dev.corridor.operator.webhook;

/** Where the webhook's serving certificate comes from; {@link #refresh()} is called at startup and then periodically. */
public interface CertificateSource {
    /** Loads the current certificate into the key manager, renewing or re-reading it as needed. */
    void refresh() throws Exception;
}
