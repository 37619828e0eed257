package dev.corridor.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corridor.operator.crd.TunnelDns;
import dev.corridor.operator.crd.VpnTunnelSpec;
import dev.corridor.operator.crd.VpnTunnelStatus;
import dev.corridor.operator.model.TunnelStatusModel.PodObservation;
import dev.corridor.operator.model.TunnelStatusModel.SidecarReport;
import dev.corridor.operator.testing.Fixtures;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class TunnelStatusModelTest {
    private static final Instant T0 = Instant.parse("2026-11-22T06:00:00Z");
    private static final VpnTunnelSpec SPEC = Fixtures.tunnel("corp", "login").getSpec();
    private static final Instant T1 = Instant.parse("2026-11-22T06:05:00Z");

    @Test
    void aConditionKeepsItsTransitionTimeWhileItsStatusStays() {
        List<PodObservation> up = List.of(connected("web-1"));
        VpnTunnelStatus first = TunnelStatusModel.status(1, SPEC, List.of(), up, List.of(), T0);
        VpnTunnelStatus same = TunnelStatusModel.status(1, SPEC, List.of(), up, first.conditions(), T1);
        VpnTunnelStatus down = TunnelStatusModel.status(
                1,
                SPEC,
                List.of(),
                List.of(new PodObservation("web-1", false, Optional.empty())),
                same.conditions(),
                T1);

        assertThat(ready(same).getLastTransitionTime()).isEqualTo(T0.toString());
        assertThat(ready(down).getStatus()).isEqualTo("False");
        assertThat(ready(down).getLastTransitionTime()).isEqualTo(T1.toString());
    }

    @Test
    void aSidecarThatSaysItIsNotConnectedIsNotCountedEvenWhenReady() {
        PodObservation stale = new PodObservation(
                "web-1", true, Optional.of(new SidecarReport("reconnecting", null, null, null, List.of())));

        VpnTunnelStatus status = TunnelStatusModel.status(1, SPEC, List.of(), List.of(stale), List.of(), T0);

        assertThat(status.connectedPods()).isZero();
        assertThat(status.pods().getFirst().connected()).isFalse();
    }

    @Test
    void aThousandPodsGiveTwentySummariesAndAShortMessage() {
        List<PodObservation> pods = IntStream.range(0, 1000)
                .mapToObj(i -> new PodObservation("web-%04d".formatted(i), false, Optional.empty()))
                .toList();

        VpnTunnelStatus status = TunnelStatusModel.status(1, SPEC, List.of(), pods, List.of(), T0);

        assertThat(status.injectedPods()).isEqualTo(1000);
        assertThat(status.pods())
                .hasSize(VpnTunnelStatus.MAX_PODS)
                .first()
                .extracting(VpnTunnelStatus.PodSummary::name)
                .isEqualTo("web-0000");
        assertThat(ready(status).getMessage())
                .isEqualTo(
                        "1000 of 1000 pods do not have the tunnel up: web-0000, web-0001, web-0002, web-0003, web-0004 and 995 more");
    }

    @Test
    void anInvalidConfigurationIsNotReadyWhateverThePodsSay() {
        VpnTunnelStatus status = TunnelStatusModel.status(
                3,
                SPEC,
                List.of(new SpecValidation.Problem("SecretNotFound", "Secret 'x' does not exist")),
                List.of(connected("web-1")),
                List.of(),
                T0);

        assertThat(status.conditions())
                .extracting(Condition::getType, Condition::getStatus, Condition::getReason)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("ConfigValid", "False", "SecretNotFound"),
                        org.assertj.core.groups.Tuple.tuple("Ready", "False", "ConfigInvalid"),
                        org.assertj.core.groups.Tuple.tuple("Degraded", "False", "AllConnected"));
        assertThat(status.conditions())
                .allSatisfy(c -> assertThat(c.getObservedGeneration()).isEqualTo(3L));
    }

    @Test
    void theDnsDomainsInEffectAreTheConfiguredOnesThenThoseTheSidecarsReportEachOnce() {
        VpnTunnelSpec spec = withDns(new TunnelDns(null, List.of("Corp.Example.com.", "lab.example"), null));
        List<PodObservation> pods = List.of(
                reporting("web-1", List.of("corp.example.com", "eng.example.com")),
                reporting("web-2", List.of("eng.example.com", "not a domain; rm -rf", "x".repeat(300))),
                new PodObservation("web-3", false, Optional.empty()));

        assertThat(TunnelStatusModel.status(1, spec, List.of(), pods, List.of(), T0)
                        .dnsDomains())
                .containsExactly("corp.example.com", "lab.example", "eng.example.com");
        assertThat(TunnelStatusModel.status(1, SPEC, List.of(), List.of(), List.of(), T0)
                        .dnsDomains())
                .as("DNS on by default, nothing added")
                .isEmpty();
        assertThat(TunnelStatusModel.status(
                                1,
                                withDns(new TunnelDns(false, List.of("corp.example.com"), null)),
                                List.of(),
                                pods,
                                List.of(),
                                T0)
                        .dnsDomains())
                .as("no DNS, no domains")
                .isNull();
    }

    private static VpnTunnelSpec withDns(TunnelDns dns) {
        VpnTunnelSpec spec = SPEC;
        return new VpnTunnelSpec(
                spec.gateway(),
                spec.trust(),
                spec.authentication(),
                spec.routes(),
                spec.mtu(),
                spec.dtls(),
                spec.sidecar(),
                spec.reconnect(),
                null,
                dns);
    }

    private static PodObservation reporting(String name, List<String> searchDomains) {
        return new PodObservation(
                name,
                true,
                Optional.of(new SidecarReport("connected", "dtls", "192.168.100.10", T0.toString(), searchDomains)));
    }

    private static PodObservation connected(String name) {
        return new PodObservation(
                name,
                true,
                Optional.of(new SidecarReport("connected", "dtls", "192.168.100.10", T0.toString(), List.of())));
    }

    private static Condition ready(VpnTunnelStatus status) {
        return status.conditions().stream()
                .filter(c -> c.getType().equals("Ready"))
                .findFirst()
                .orElseThrow();
    }
}
