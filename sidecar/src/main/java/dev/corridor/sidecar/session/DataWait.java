package dev.corridor.sidecar.session;

import dev.corridor.sidecar.os.DataPoller;
import dev.corridor.sidecar.os.OsException;
import dev.corridor.sidecar.os.TcpSocket;
import dev.corridor.sidecar.os.TunDevice;
import dev.corridor.sidecar.transport.dtls.DtlsChannel;
import dev.corridor.sidecar.transport.dtls.DtlsLink;

/** How the data thread waits for work: poll(2) on the real device and sockets; a signal shared by the fakes in tests. */
@FunctionalInterface
interface DataWait {
    /**
     * Waits until the device, the DTLS channel (when usable, else null) or CSTP has a packet, CSTP takes data again
     * (when {@code cstpBacklog}), or the device's {@link dev.corridor.sidecar.os.PacketDevice#wakeup} is called. While
     * CSTP is backed up and there is no DTLS channel, the data thread does not read the device, so its packets do not
     * end the wait.
     *
     * @return whether CSTP has something to read (a frame, its end or an error): else the data thread leaves it be
     */
    boolean await(DtlsLink dtls, boolean cstpBacklog) throws OsException;

    /** Whether the device's packets have nowhere to go: CSTP is backed up and there is no DTLS channel. */
    static boolean deviceHeld(DtlsLink dtls, boolean cstpBacklog) {
        return cstpBacklog && dtls == null;
    }

    /** Waits on the tun device, the DTLS socket and the CSTP socket at once. */
    static DataWait polling(TunDevice tun, TcpSocket cstp) {
        DataPoller poller = new DataPoller(tun, cstp);
        return (dtls, cstpBacklog) -> {
            poller.watchDtls(dtls instanceof DtlsChannel channel ? channel.socket() : null);
            return poller.await(cstpBacklog, deviceHeld(dtls, cstpBacklog));
        };
    }
}
