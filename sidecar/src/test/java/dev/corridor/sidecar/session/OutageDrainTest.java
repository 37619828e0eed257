package dev.corridor.sidecar.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import org.junit.jupiter.api.Test;

/** The kill switch's other half, on the fake device: while no session runs, what the pod sends is read, dropped and counted. */
class OutageDrainTest {
    @Test
    void packetsSentWhileDownAreDrainedAndCountedAndNothingIsDrainedOnceClosed() {
        FakeWire wire = new FakeWire();
        FakeDevice device = new FakeDevice(wire);
        Counter dropped = new Counter();
        try (OutageDrain drain = OutageDrain.start(device, dropped)) {
            device.send(Pump.outbound(100), Pump.outbound(1400));
            await().until(() -> dropped.get() == 2 && device.drained());
            device.send(Pump.outbound(60));
            await().until(() -> dropped.get() == 3);
        }
        device.send(Pump.outbound(60));
        assertThat(device.drained())
                .as("the next session's data plane reads the device from here on")
                .isFalse();
        assertThat(dropped.get()).isEqualTo(3);
        assertThat(device.delivered()).as("nothing went anywhere").isEmpty();
    }
}
