package dev.corridor.sidecar.protocol.auth;

import java.util.List;
import java.util.Optional;

/** What the gateway answered to an aggregate-auth POST: another form to fill in, or success. */
public sealed interface AuthReply {

    /** A login form ({@code <config-auth type="auth-request">}). */
    record Form(String authId, Optional<String> message, Optional<String> error, Optional<String> banner,
                String action, List<FormField> fields) implements AuthReply {
        public Form {
            fields = List.copyOf(fields);
        }
    }

    /** Logged in ({@code <auth id="success">}); the session cookie arrives in the same reply's headers. */
    record Success(Optional<String> banner) implements AuthReply {
    }
}
