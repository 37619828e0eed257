package dev.corridor.sidecar.net;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A set of IPv4 and IPv6 addresses, built from networks to include and networks to take out, and asked about one
 * packet's address at a time: sorted, disjoint ranges, searched without allocating. Built once per session, asked
 * for every packet.
 */
public final class AddressSet {
    /** Inclusive ranges: IPv4 as unsigned values; IPv6 as (high, low) halves, each compared unsigned. */
    private final long[] v4Starts;

    private final long[] v4Ends;
    private final long[] v6Starts;
    private final long[] v6Ends;

    private AddressSet(List<BigInteger[]> v4, List<BigInteger[]> v6) {
        v4Starts = v4.stream().mapToLong(range -> range[0].longValueExact()).toArray();
        v4Ends = v4.stream().mapToLong(range -> range[1].longValueExact()).toArray();
        v6Starts = halves(v6, 0);
        v6Ends = halves(v6, 1);
    }

    /** Every address in {@code included} that is in none of {@code excluded}. */
    public static AddressSet of(List<IpNetwork> included, List<IpNetwork> excluded) {
        return new AddressSet(ranges(included, excluded, true), ranges(included, excluded, false));
    }

    /** Whether the IPv4 address in {@code buf[off..off+4)} is in the set. */
    public boolean containsIpv4(byte[] buf, int off) {
        long address = (buf[off] & 0xffL) << 24
                | (buf[off + 1] & 0xff) << 16
                | (buf[off + 2] & 0xff) << 8
                | (buf[off + 3] & 0xff);
        int low = 0;
        int high = v4Starts.length - 1;
        while (low <= high) {
            int middle = (low + high) >>> 1;
            if (address < v4Starts[middle]) {
                high = middle - 1;
            } else if (address > v4Ends[middle]) {
                low = middle + 1;
            } else {
                return true;
            }
        }
        return false;
    }

    /** Whether the IPv6 address in {@code buf[off..off+16)} is in the set. */
    public boolean containsIpv6(byte[] buf, int off) {
        long upper = longAt(buf, off);
        long lower = longAt(buf, off + 8);
        int low = 0;
        int high = v6Starts.length / 2 - 1;
        while (low <= high) {
            int middle = (low + high) >>> 1;
            if (compare(upper, lower, v6Starts, middle) < 0) {
                high = middle - 1;
            } else if (compare(upper, lower, v6Ends, middle) > 0) {
                low = middle + 1;
            } else {
                return true;
            }
        }
        return false;
    }

    private static int compare(long upper, long lower, long[] bounds, int index) {
        int byUpper = Long.compareUnsigned(upper, bounds[2 * index]);
        return byUpper != 0 ? byUpper : Long.compareUnsigned(lower, bounds[2 * index + 1]);
    }

    private static long longAt(byte[] buf, int off) {
        long value = 0;
        for (int i = 0; i < 8; i++) {
            value = value << 8 | (buf[off + i] & 0xff);
        }
        return value;
    }

    /** The included ranges of one family less the excluded ones, merged, sorted and disjoint. */
    private static List<BigInteger[]> ranges(List<IpNetwork> included, List<IpNetwork> excluded, boolean ipv4) {
        List<BigInteger[]> ranges = merge(included.stream()
                .filter(n -> n.isIpv4() == ipv4)
                .map(AddressSet::range)
                .toList());
        for (BigInteger[] cut : merge(excluded.stream()
                .filter(n -> n.isIpv4() == ipv4)
                .map(AddressSet::range)
                .toList())) {
            List<BigInteger[]> remaining = new ArrayList<>();
            for (BigInteger[] range : ranges) {
                if (cut[1].compareTo(range[0]) < 0 || cut[0].compareTo(range[1]) > 0) {
                    remaining.add(range);
                    continue;
                }
                if (cut[0].compareTo(range[0]) > 0) {
                    remaining.add(new BigInteger[] {range[0], cut[0].subtract(BigInteger.ONE)});
                }
                if (cut[1].compareTo(range[1]) < 0) {
                    remaining.add(new BigInteger[] {cut[1].add(BigInteger.ONE), range[1]});
                }
            }
            ranges = remaining;
        }
        return ranges;
    }

    private static List<BigInteger[]> merge(List<BigInteger[]> ranges) {
        List<BigInteger[]> sorted = new ArrayList<>(ranges);
        sorted.sort(Comparator.comparing(range -> range[0]));
        List<BigInteger[]> merged = new ArrayList<>();
        for (BigInteger[] range : sorted) {
            BigInteger[] last = merged.isEmpty() ? null : merged.getLast();
            if (last != null && range[0].compareTo(last[1].add(BigInteger.ONE)) <= 0) {
                last[1] = last[1].max(range[1]);
            } else {
                merged.add(new BigInteger[] {range[0], range[1]});
            }
        }
        return merged;
    }

    private static BigInteger[] range(IpNetwork network) {
        int bits = network.address().getAddress().length * 8;
        BigInteger start = new BigInteger(1, network.address().getAddress());
        BigInteger size = BigInteger.ONE.shiftLeft(bits - network.prefixLength());
        return new BigInteger[] {start, start.add(size).subtract(BigInteger.ONE)};
    }

    private static long[] halves(List<BigInteger[]> ranges, int which) {
        long[] values = new long[2 * ranges.size()];
        for (int i = 0; i < ranges.size(); i++) {
            BigInteger value = ranges.get(i)[which];
            values[2 * i] = value.shiftRight(64).longValue();
            values[2 * i + 1] = value.longValue();
        }
        return values;
    }
}
