package dev.corridor.sidecar.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The one keepalive/DPD policy of both channels, on a clock the test moves (no sleeping). */
class KeepalivePolicyTest {
    private static final Duration DPD = Duration.ofSeconds(30);
    private static final Duration KEEPALIVE = Duration.ofSeconds(20);
    private static final KeepalivePolicy CSTP = new KeepalivePolicy(TunnelObserver.Channel.CSTP, DPD, KEEPALIVE);
    private static final KeepalivePolicy DTLS = new KeepalivePolicy(TunnelObserver.Channel.DTLS, DPD, KEEPALIVE);

    private final Liveness liveness = new Liveness();
    private final long start = System.nanoTime();

    private long at(Duration offset) {
        return start + offset.toNanos();
    }

    @Test
    void aChannelThatSendsAndReceivesNeedsNothing() {
        long now = at(Duration.ofSeconds(25));
        liveness.received(now);
        liveness.sent(now);
        assertThat(CSTP.due(liveness, now)).isInstanceOf(KeepalivePolicy.Due.Nothing.class);
    }

    @Test
    void aKeepaliveGoesAfterAKeepaliveIntervalWithoutSendingAndCountsAsSent() {
        long now = at(KEEPALIVE);
        liveness.received(now);
        assertThat(CSTP.due(liveness, now)).isInstanceOf(KeepalivePolicy.Due.Keepalive.class);
        assertThat(CSTP.due(liveness, now)).as("stamped as sent").isInstanceOf(KeepalivePolicy.Due.Nothing.class);
    }

    @Test
    void aProbeGoesAfterADpdIntervalOfSilenceThenNotAgainBeforeHalfAnInterval() {
        assertThat(CSTP.due(liveness, at(DPD))).isInstanceOf(KeepalivePolicy.Due.Probe.class);
        assertThat(CSTP.due(liveness, at(DPD.plus(DPD.dividedBy(2)).minusSeconds(1))))
                .isInstanceOf(KeepalivePolicy.Due.Nothing.class);
        assertThat(CSTP.due(liveness, at(DPD.plus(DPD.dividedBy(2))))).isInstanceOf(KeepalivePolicy.Due.Probe.class);
    }

    @Test
    void twoDpdIntervalsOfSilenceAreDeathOnEitherChannel() {
        assertThat(CSTP.due(liveness, at(DPD.multipliedBy(2))))
                .isInstanceOfSatisfying(
                        KeepalivePolicy.Due.Dead.class,
                        dead -> assertThat(dead.reason())
                                .isEqualTo("nothing received from the gateway for 60 s (DPD 30 s)"));
        assertThat(DTLS.due(liveness, at(DPD.multipliedBy(2))))
                .isInstanceOfSatisfying(
                        KeepalivePolicy.Due.Dead.class,
                        dead -> assertThat(dead.reason()).startsWith("nothing received over DTLS for 60 s"));
    }

    @Test
    void anUnansweredProbeIsDeathForDtlsEvenWhileTheGatewaysPacketsArriveButNotForCstp() {
        liveness.dpdSent(at(Duration.ZERO));
        long later = at(DPD);
        liveness.received(later); // the gateway's own probes keep arriving; ours go nowhere
        assertThat(DTLS.due(liveness, later))
                .isInstanceOfSatisfying(
                        KeepalivePolicy.Due.Dead.class,
                        dead -> assertThat(dead.reason()).isEqualTo("no answer over DTLS to a DPD probe for 30 s"));
        assertThat(CSTP.due(liveness, later)).isNotInstanceOf(KeepalivePolicy.Due.Dead.class);
    }

    @Test
    void anAnsweredProbeClearsTheOutstandingProbeAndMeasuresTheRoundTrip() {
        liveness.dpdSent(at(Duration.ZERO));
        assertThat(liveness.dpdAnswered(at(Duration.ofMillis(40))))
                .isEqualTo(Duration.ofMillis(40).toNanos());
        liveness.received(at(DPD));
        assertThat(DTLS.due(liveness, at(DPD))).isNotInstanceOf(KeepalivePolicy.Due.Dead.class);
        assertThat(liveness.dpdAnswered(at(DPD)))
                .as("an answer nobody asked for")
                .isEqualTo(-1);
    }

    @Test
    void zeroIntervalsTurnTheirRulesOff() {
        KeepalivePolicy none = new KeepalivePolicy(TunnelObserver.Channel.CSTP, Duration.ZERO, Duration.ZERO);
        assertThat(none.due(liveness, at(Duration.ofDays(1)))).isInstanceOf(KeepalivePolicy.Due.Nothing.class);
    }
}
