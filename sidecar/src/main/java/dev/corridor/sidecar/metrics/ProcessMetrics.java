package dev.corridor.sidecar.metrics;

import com.sun.management.OperatingSystemMXBean;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The process's CPU time and its resident and virtual memory, under the names Prometheus's own clients use
 * ({@code process_cpu_seconds_total}, {@code process_resident_memory_bytes}). Resident memory is what a container's
 * memory limit is measured against, and the JVM's own pools do not add up to it.
 */
final class ProcessMetrics implements MeterBinder {
    private static final Path STATUS = Path.of("/proc/self/status");

    @Override
    public void bindTo(MeterRegistry registry) {
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        FunctionCounter.builder("process.cpu", os, bean -> bean.getProcessCpuTime() / 1e9)
                .baseUnit("seconds")
                .description("CPU time the process used, user and system")
                .register(registry);
        Gauge.builder("process.resident.memory", () -> kilobytes("VmRSS:"))
                .baseUnit("bytes")
                .description("Resident memory of the process")
                .register(registry);
        Gauge.builder("process.virtual.memory", () -> kilobytes("VmSize:"))
                .baseUnit("bytes")
                .description("Virtual memory of the process")
                .register(registry);
    }

    /** A "Name:   1234 kB" line of /proc/self/status, in bytes; NaN where there is no such file (not Linux). */
    private static double kilobytes(String field) {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.substring(field.length())
                                    .replace("kB", "")
                                    .strip())
                            * 1024.0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return Double.NaN;
        }
        return Double.NaN;
    }
}
