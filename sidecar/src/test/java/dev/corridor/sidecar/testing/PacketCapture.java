package dev.corridor.sidecar.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * tcpdump on an interface of a namespace, writing every packet to a file until closed; then {@link #count} says how
 * many captured packets match a filter. Proof that something did not leave by a path, with a positive control from
 * the same capture. Immediate mode, because tcpdump's ring buffer otherwise hands packets over a block at a time, and
 * those of the last second before SIGTERM were received by the filter yet never written.
 */
public final class PacketCapture implements AutoCloseable {
    private final Process tcpdump;
    private final Path file;
    private final Path log;

    private PacketCapture(Process tcpdump, Path file, Path log) {
        this.tcpdump = tcpdump;
        this.file = file;
        this.log = log;
    }

    /** Starts capturing and returns once tcpdump listens. */
    public static PacketCapture start(String namespace, String device) throws IOException, InterruptedException {
        Path file = Files.createTempFile("corridor-capture", ".pcap");
        Path log = Files.createTempFile("corridor-capture", ".log");
        Process tcpdump = new ProcessBuilder(
                        "ip",
                        "netns",
                        "exec",
                        namespace,
                        "tcpdump",
                        "-i",
                        device,
                        "-n",
                        "-U",
                        "--immediate-mode",
                        "-w",
                        file.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!Files.readString(log).contains("listening on")) {
            if (!tcpdump.isAlive() || System.nanoTime() > deadline) {
                tcpdump.destroyForcibly();
                throw new IOException("tcpdump did not start: " + Files.readString(log));
            }
            Thread.sleep(20);
        }
        return new PacketCapture(tcpdump, file, log);
    }

    /** Stops capturing (idempotent) and counts the captured packets that match a tcpdump filter expression. */
    public int count(String filter) throws IOException, InterruptedException {
        stop();
        String packets = Commands.run(List.of("tcpdump", "-r", file.toString(), "-n", filter));
        return (int) packets.lines().filter(line -> !line.isBlank()).count();
    }

    private void stop() throws InterruptedException {
        if (tcpdump.isAlive()) {
            tcpdump.destroy(); // SIGTERM: tcpdump flushes the file and exits
            tcpdump.waitFor(5, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        stop();
        tcpdump.destroyForcibly();
        Files.deleteIfExists(file);
        Files.deleteIfExists(log);
    }
}
