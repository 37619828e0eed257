package dev.corridor.sidecar.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** How a secret file's content becomes the passwords a login answers with. */
class FileCredentialsTest {
    @Test
    void eachLineIsAPasswordAndTheFinalLineEndIsNone() {
        assertThat(FileCredentials.lines("hunter2\n")).containsExactly("hunter2");
        assertThat(FileCredentials.lines("hunter2\n123456\n")).containsExactly("hunter2", "123456");
        assertThat(FileCredentials.lines("hunter2\r\n123456")).containsExactly("hunter2", "123456");
    }

    /** An empty password used to be dropped, and the login then failed for want of a password (exit 2). */
    @Test
    void anEmptyPasswordIsAnAnswerLikeAnyOther() {
        assertThat(FileCredentials.lines("\n")).containsExactly("");
        assertThat(FileCredentials.lines(""))
                .as("a Secret holding an empty value")
                .containsExactly("");
        assertThat(FileCredentials.lines("\n123456\n")).containsExactly("", "123456");
    }
}
