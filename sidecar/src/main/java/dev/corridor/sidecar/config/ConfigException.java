package dev.corridor.sidecar.config;

/** A setting that cannot work, with a message naming it and what is expected. */
public final class ConfigException extends Exception {
    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
