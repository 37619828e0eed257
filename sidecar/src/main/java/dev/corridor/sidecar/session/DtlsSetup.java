package dev.corridor.sidecar.session;

import dev.corridor.sidecar.transport.dtls.DtlsHandshake;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * How to reach the gateway over DTLS for one session, as settled by CONNECT.
 *
 * @param datagramLimit the largest UDP payload on the path: the base MTU less the IP and UDP headers
 */
record DtlsSetup(
        InetSocketAddress endpoint,
        DtlsHandshake.Request request,
        int datagramLimit,
        Duration dpd,
        Duration keepalive) {}
