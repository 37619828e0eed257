package dev.corridor.sidecar.os;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corridor.sidecar.testing.NetworkNamespace;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The data thread's wait (poll(2) on three fds and a wakeup) against the kernel: a tun device in a namespace of its
 * own (needs root), the CSTP connection to a loopback server and a DTLS socket to a loopback peer.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DataPollerIT {
    private static NetworkNamespace namespace;
    private TunDevice tun;
    private ServerSocket gateway;
    private TcpSocket cstp;
    private Socket gatewaySide;

    @BeforeAll
    static void createNamespace() throws Exception {
        namespace = NetworkNamespace.create("cort-poll");
    }

    @AfterAll
    static void deleteNamespace() {
        if (namespace != null) {
            namespace.close();
        }
    }

    @BeforeEach
    void openDeviceAndConnection() throws Exception {
        tun = namespace.call(() -> TunDevice.create("tun-w"));
        // No IPv6 on it: the kernel's router solicitations would end waits the tests expect to last.
        namespace.exec("sysctl", "-qw", "net.ipv6.conf.tun-w.disable_ipv6=1");
        namespace.exec("ip", "addr", "add", "10.77.5.1/24", "dev", "tun-w");
        namespace.exec("ip", "link", "set", "tun-w", "up");
        gateway = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        cstp = TcpSocket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), gateway.getLocalPort()), 5000);
        gatewaySide = gateway.accept();
    }

    @AfterEach
    void close() throws Exception {
        gatewaySide.close();
        cstp.close();
        gateway.close();
        tun.close();
    }

    @Test
    void aPacketFromThePodEndsTheWaitWithoutCstpBeingReadable() throws Exception {
        DataPoller poller = new DataPoller(tun, cstp);
        podSendsAPacket();
        assertThat(poller.await(false, false)).isFalse();
        assertThat(tun.read(new byte[65_536], 0, 65_536)).isPositive();
    }

    @Test
    void aFrameFromTheGatewayMakesCstpReadableAndStaysSoUntilRead() throws Exception {
        DataPoller poller = new DataPoller(tun, cstp);
        OutputStream out = gatewaySide.getOutputStream();
        out.write(new byte[] {'S', 'T', 'F', 1});
        out.flush();
        assertThat(poller.await(false, false)).isTrue();
        assertThat(poller.await(false, false))
                .as("until read, it stays readable")
                .isTrue();
    }

    @Test
    void theGatewayClosingTheConnectionMakesCstpReadable() throws Exception {
        DataPoller poller = new DataPoller(tun, cstp);
        gatewaySide.close();
        assertThat(poller.await(false, false))
                .as("the end of the connection is for a read to find")
                .isTrue();
    }

    @Test
    void aWritableConnectionEndsTheWaitOnlyWhileRecordsWaitForIt() throws Exception {
        DataPoller poller = new DataPoller(tun, cstp);
        assertThat(poller.await(true, false)).as("writable, not readable").isFalse();
        assertThat(lastsUntilWokenUp(() -> poller.await(false, false), "without a backlog, a writable socket"))
                .isFalse();
    }

    @Test
    void aHeldDeviceLeavesThePodsPacketsWaitingUntilCstpTakesDataAgain() throws Exception {
        DataPoller poller = new DataPoller(tun, cstp);
        podSendsAPacket();
        int queued = fillSendBuffer();
        assertThat(lastsUntilWokenUp(() -> poller.await(true, true), "a readable device held (no busy loop)"))
                .isFalse();

        Thread.ofVirtual().start(() -> drain(queued));
        assertThat(poller.await(true, true)).as("writable again, not readable").isFalse();
        assertThat(poller.await(false, false)).as("the packet is still there").isFalse();
        assertThat(tun.read(new byte[65_536], 0, 65_536)).isPositive();
    }

    @Test
    void aDatagramEndsTheWaitOnlyWhileItsSocketIsWatched() throws Exception {
        DataPoller poller = new DataPoller(tun, cstp);
        try (DatagramSocket peer = new DatagramSocket(0, InetAddress.getLoopbackAddress());
                UdpSocket dtls = UdpSocket.connect((InetSocketAddress) peer.getLocalSocketAddress(), 1 << 16);
                UdpSocket next = UdpSocket.connect((InetSocketAddress) peer.getLocalSocketAddress(), 1 << 16)) {
            poller.watchDtls(dtls);
            poller.watchDtls(dtls); // unchanged: nothing to do
            answer(peer, dtls);
            assertThat(poller.await(false, false)).isFalse();
            dtls.close(); // a closed socket is forgotten without a failure

            poller.watchDtls(next);
            poller.watchDtls(null);
            answer(peer, next);
            lastsUntilWokenUp(() -> poller.await(false, false), "a socket no longer watched");
        }
    }

    /** A datagram from the pod, routed into the tun device. */
    private static void podSendsAPacket() throws Exception {
        namespace.run(() -> {
            try (DatagramSocket pod = new DatagramSocket()) {
                pod.send(new DatagramPacket(new byte[20], 20, InetAddress.getByName("10.77.5.2"), 9));
            }
        });
    }

    /**
     * Writes into the CSTP socket until the kernel takes no more, also after a pause in which the gateway's receive
     * buffer could take what was in flight (the gateway reads nothing); the bytes written.
     */
    private int fillSendBuffer() throws Exception {
        byte[] chunk = new byte[65_536];
        int total = 0;
        int taken;
        do {
            taken = 0;
            for (int n; (n = cstp.write(chunk, 0, chunk.length)) > 0; ) {
                taken += n;
            }
            total += taken;
            Thread.sleep(50);
        } while (taken > 0);
        return total;
    }

    /** The gateway reads what was written, which makes the CSTP socket writable again. */
    private void drain(int bytes) {
        try {
            gatewaySide.getInputStream().readNBytes(bytes);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The peer learns the socket's address from a datagram it sends, and answers it. */
    private static void answer(DatagramSocket peer, UdpSocket socket) throws Exception {
        assertThat(socket.send(new byte[1], 0, 1)).isTrue();
        DatagramPacket hello = new DatagramPacket(new byte[16], 16);
        peer.receive(hello);
        peer.send(new DatagramPacket(new byte[100], 100, hello.getSocketAddress()));
    }

    /** Runs the wait with a wakeup 200 ms on and checks that nothing ended it sooner; what the wait returned. */
    private boolean lastsUntilWokenUp(Callable<Boolean> wait, String notEndingIt) throws Exception {
        long started = System.nanoTime();
        wakeUpAfter(200);
        boolean result = wait.call();
        assertThat(System.nanoTime() - started)
                .as(notEndingIt + " does not end the wait")
                .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(150));
        return result;
    }

    private void wakeUpAfter(long millis) {
        Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                return;
            }
            tun.wakeup();
        });
    }
}
