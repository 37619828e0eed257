package dev.corridor.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** A soft token that answers the gateway's second-factor prompt with generated codes (the sidecar's --token-mode). */
public record OneTimePassword(
        @Default("totp")
        @Pattern("^(totp|hotp)$")
        @Size(max = 4)
        @JsonPropertyDescription(
                "totp (RFC 6238, time-based) or hotp (RFC 4226, counter-based: the sidecar writes the advanced "
                        + "counter back to the seed's file, which a Secret volume does not allow, so hotp suits only seeds mounted writable).")
        String mode,

        @Required
        @JsonPropertyDescription(
                "The Secret key holding the seed, as openconnect's --token-secret takes it: base32:..., 0xHEX, "
                        + "an otpauth:// URI (which carries digits, period and algorithm), or the seed's text.")
        SecretKeyReference secretRef) {
    public static final String TOTP = "totp";
}
