package dev.corridor.sidecar.training;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The image build records its AOT cache from this run (sidecar/Dockerfile, scripts/bench.sh): it must get through
 * the login and connect's start-up without a gateway, a network or a privilege, or the build fails.
 */
class TrainingRunTest {
    @Test
    void logsInToTheLoopbackGatewayAndStopsConnectAtTheInterfaceCheck() throws Exception {
        PrintStream stdout = System.out;
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        try (PrintStream captured = new PrintStream(output, true, StandardCharsets.UTF_8)) {
            System.setOut(captured);
            TrainingRun.main(new String[0]);
        } finally {
            System.setOut(stdout);
        }
        assertThat(output.toString(StandardCharsets.UTF_8)).contains("training run done");
    }
}
