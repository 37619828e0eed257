package dev.corridor.sidecar.protocol.sso;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.corridor.sidecar.protocol.ProtocolException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes what reaches the external-browser listener from anything on localhost: the request line ({@link
 * BrowserRequest}) and the token it carries ({@link EncryptedToken}). Seeds: the ASA token shown in openconnect's
 * {@code hpke.c} in the redirect the browser makes, and a token whose fields are all present but hold nothing.
 */
class BrowserCallbackFuzzTest {
    private static final StrapKeys KEYS = StrapKeys.generate();

    /**
     * Every line is told apart, and every token read and opened or refused with a {@link ProtocolException}; a return
     * address never carries what would break out of its Location header.
     */
    @Timeout(10)
    @FuzzTest
    @DictionaryEntries({
        "GET /api/sso/",
        " HTTP/1.1",
        "?return=",
        "&return=",
        "https://",
        "%2B",
        "%2F",
        "%3D",
        "%0D%0A",
        "AAEA",
        "AAIADA",
        "AAMA",
        "AAQADA"
    })
    void readsEveryRequestLineAndTokenOrRefusesIt(byte[] line) {
        if (BrowserRequest.parse(new String(line, StandardCharsets.ISO_8859_1))
                instanceof BrowserRequest.Callback callback) {
            if (callback.returnTo().isPresent()
                    && callback.returnTo().get().chars().anyMatch(c -> c < ' ' || c > '~')) {
                throw new AssertionError("a return address that would break its header: "
                        + callback.returnTo().get());
            }
            try {
                EncryptedToken.parse(callback.token()).decrypt(KEYS);
            } catch (ProtocolException expected) {
                // a token the listener refuses, naming what is wrong
            }
        }
    }
}
