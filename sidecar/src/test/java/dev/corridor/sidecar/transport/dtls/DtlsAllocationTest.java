package dev.corridor.sidecar.transport.dtls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corridor.sidecar.os.UdpSocket;
import dev.corridor.sidecar.transport.AllocationMeter;
import dev.corridor.sidecar.transport.PacketReceiver;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * DEVELOPERS.md: "With libcrypto, a record costs a few small objects at most: the memory segments over the caller's
 * array, which escape analysis mostly removes; the JDK's AES-GCM would allocate about 1 KB per record". Measured
 * against the least the JCE API allows: a record sealed and opened in place, with a new GCMParameterSpec for each
 * (about 1.1 KB per record on JDK 25, the spec's 56 bytes included).
 *
 * <p>The JIT's escape analysis removes some allocations, and not the same ones in every run (the JCE's settled count
 * was 2008 to 2320 bytes per packet, the channel's 64 to 349); and the JDK's own code allocates less once more of it
 * is compiled (2344, then 2256 bytes per packet without escape analysis), which on a loaded machine may happen late.
 * So the two paths are measured in turns until neither count changes from one turn to the next, and the settled
 * counts compared; the record layer in a JVM of its own without escape analysis, where every allocation counts (304
 * bytes per packet seen). The channel, whose system calls also go through FFM memory segments, is measured as it runs
 * in production.
 */
class DtlsAllocationTest {
    static final int PACKETS = 10_000;
    static final int SIZE = 1400;
    /** A quarter of the JCE's count: far below its ~1 KB per record, far above the segments' few dozen bytes. */
    private static final int JCE_FRACTION = 4;
    /** Turns of each measurement at most: the counts settle by the third or fourth, later on a loaded machine. */
    private static final int MAX_TURNS = 20;
    /** "About 1 KB per record", two records per packet (sealed, then opened), with room for another JDK build. */
    private static final int ABOUT_1_KB_PER_RECORD = 2 * 1536;

    private static final byte[] KEY_BLOCK = new byte[2 * 32 + 2 * 4];
    private static final Pattern RESULT = Pattern.compile("(\\w+)=(\\d+)");

    static {
        for (int i = 0; i < KEY_BLOCK.length; i++) {
            KEY_BLOCK[i] = (byte) (i * 7 + 1);
        }
    }

    private static final DtlsKeys KEYS = DtlsKeys.fromKeyBlock(DtlsSuite.PSK_AES_256_GCM, 1, KEY_BLOCK, 1);

    @Test
    void sealingAndOpeningARecordAllocateAFractionOfWhatTheJceDoes() throws Exception {
        assertThat(OpenSslAesGcm.AVAILABLE).as("libcrypto.so.3 is loadable").isTrue();
        Map<String, Long> bytes = measureWithoutEscapeAnalysis();
        assertThat(bytes).containsKeys("recordLayer", "jce");
        long ours = bytes.get("recordLayer");
        long jce = bytes.get("jce");

        assertThat(ours)
                .as("bytes per packet sealed and opened, against the JCE's own %d", jce)
                .isLessThanOrEqualTo(jce / JCE_FRACTION);
        assertThat(jce).as("the JCE's bytes per packet (two records)").isLessThan(ABOUT_1_KB_PER_RECORD);
    }

    /**
     * The whole DTLS data path of a packet, through the OS: sealed into the send batch and sent (sendmmsg), a record
     * received (recvmmsg), opened and delivered. A peer on loopback answers each datagram with a sealed record.
     */
    @Test
    void aPacketThroughTheChannelAllocatesAFractionOfWhatTheJceDoes() throws Exception {
        long[] settled = settled(DtlsAllocationTest::channelRoundTrips, DtlsAllocationTest::jceSealAndOpen);
        long ours = settled[0];
        long jce = settled[1];

        assertThat(ours)
                .as("bytes per packet sent and received, against the JCE's own %d", jce)
                .isLessThanOrEqualTo(jce / JCE_FRACTION);
    }

    /** Runs {@link #main} in a JVM without escape analysis: its counts are exact. */
    private static Map<String, Long> measureWithoutEscapeAnalysis() throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process probe = new ProcessBuilder(
                        java,
                        "-XX:-DoEscapeAnalysis",
                        "--enable-native-access=ALL-UNNAMED",
                        "-cp",
                        classPath,
                        DtlsAllocationTest.class.getName())
                .redirectErrorStream(true)
                .start();
        String output;
        try {
            output = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(probe.waitFor(2, TimeUnit.MINUTES)).as("the probe ended").isTrue();
        } finally {
            probe.destroyForcibly();
        }
        assertThat(probe.exitValue()).as(output).isZero();
        Matcher results = RESULT.matcher(output);
        return results.results().collect(Collectors.toMap(r -> r.group(1), r -> Long.parseLong(r.group(2))));
    }

    /** The probe: prints the settled bytes per packet allocated by the record layer and by the JCE alone. */
    public static void main(String[] args) throws Exception {
        long[] settled = settled(DtlsAllocationTest::recordLayerSealAndOpen, DtlsAllocationTest::jceSealAndOpen);
        System.out.println("recordLayer=" + settled[0] + " jce=" + settled[1]);
    }

    @FunctionalInterface
    private interface Measurement {
        long bytes() throws Exception;
    }

    /**
     * Bytes per packet of {@code ours} and of {@code reference}, measured in turns until both are what they were the
     * turn before (or {@link #MAX_TURNS} have passed): the JIT compiled what it will meanwhile.
     */
    private static long[] settled(Measurement ours, Measurement reference) throws Exception {
        long[] last = {-1, -1};
        for (int turn = 0; turn < MAX_TURNS; turn++) {
            long[] now = {ours.bytes() / PACKETS, reference.bytes() / PACKETS};
            if (now[0] == last[0] && now[1] == last[1]) {
                return now;
            }
            last = now;
        }
        return last;
    }

    private static long recordLayerSealAndOpen() throws Exception {
        DtlsRecordLayer.Sealer sealer = new GcmRecordLayer(KEYS).sealer();
        DtlsRecordLayer.Opener opener = new GcmRecordLayer(KEYS.mirrored(1)).opener();
        byte[] buf = new byte[GcmRecordLayer.PREFIX + SIZE + GcmRecordLayer.TAG_LENGTH];
        return AllocationMeter.allocatedBytes(PACKETS, () -> {
            int start = sealer.seal(buf, GcmRecordLayer.PREFIX, SIZE);
            if (opener.open(buf, start, SIZE + GcmRecordLayer.OVERHEAD) != DtlsRecordLayer.Outcome.DATA) {
                throw new AssertionError("the record did not open");
            }
        });
    }

    /** The least the JCE API allows: seal and open in place, a new GCMParameterSpec for each nonce. */
    private static long jceSealAndOpen() throws Exception {
        Cipher encrypt = Cipher.getInstance("AES/GCM/NoPadding");
        Cipher decrypt = Cipher.getInstance("AES/GCM/NoPadding");
        SecretKeySpec key = new SecretKeySpec(KEYS.writeKey, "AES");
        byte[] nonce = new byte[12];
        byte[] additionalData = new byte[13];
        byte[] buf = new byte[SIZE + 16];
        long[] sequence = {0};
        return AllocationMeter.allocatedBytes(PACKETS, () -> {
            long next = ++sequence[0];
            for (int i = 0; i < 8; i++) {
                nonce[4 + i] = (byte) (next >>> (56 - 8 * i));
            }
            encrypt.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
            encrypt.updateAAD(additionalData);
            encrypt.doFinal(buf, 0, SIZE, buf, 0);
            decrypt.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, nonce));
            decrypt.updateAAD(additionalData);
            decrypt.doFinal(buf, 0, SIZE + 16, buf, 0);
        });
    }

    private static long channelRoundTrips() throws Exception {
        try (DatagramSocket peer = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            DtlsRecordLayer.Sealer gatewaySealer = new GcmRecordLayer(KEYS.mirrored(1)).sealer();
            Thread.ofPlatform().daemon().start(() -> answerEachDatagram(peer, gatewaySealer));
            UdpSocket socket = UdpSocket.connect(
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), peer.getLocalPort()), 1 << 20);
            try (DtlsChannel channel =
                    new DtlsChannel(socket, new GcmRecordLayer(KEYS), DtlsHandshake.Mode.PSK, 1472, List.of())) {
                byte[] buf = new byte[DtlsChannel.HEADROOM + SIZE + DtlsChannel.TAILROOM];
                long[] delivered = {0};
                PacketReceiver receiver = (type, code, b, off, len) -> delivered[0]++;
                return AllocationMeter.allocatedBytes(PACKETS, () -> {
                    channel.sendData(buf, DtlsChannel.HEADROOM, SIZE);
                    channel.flushData();
                    long before = delivered[0];
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                    while (delivered[0] == before) {
                        if (channel.receivePending(receiver, 16) == 0) {
                            channel.socket().awaitReadable(100); // waits in poll(2), as the data thread waits in epoll
                        }
                        if (System.nanoTime() > deadline) {
                            throw new AssertionError("no answer from the peer");
                        }
                    }
                });
            }
        }
    }

    /** The peer's side, on its own thread (whose allocations are not the measured thread's): a data record per datagram. */
    private static void answerEachDatagram(DatagramSocket peer, DtlsRecordLayer.Sealer sealer) {
        byte[] in = new byte[2048];
        byte[] out = new byte[GcmRecordLayer.PREFIX + 1 + SIZE + GcmRecordLayer.TAG_LENGTH];
        try {
            while (true) {
                DatagramPacket received = new DatagramPacket(in, in.length);
                peer.receive(received);
                int start = sealer.seal(out, GcmRecordLayer.PREFIX, 1 + SIZE); // type 0: DATA
                peer.send(new DatagramPacket(
                        out, start, 1 + SIZE + GcmRecordLayer.OVERHEAD, received.getSocketAddress()));
            }
        } catch (Exception e) {
            // the test closed the socket
        }
    }
}
