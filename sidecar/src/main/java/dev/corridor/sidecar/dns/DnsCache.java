package dev.corridor.sidecar.dns;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Answers kept for as long as their records allow, a bounded number of them, the least recently used going first. An
 * answer comes out with its TTLs lowered by the time it spent here. A negative answer is kept for its SOA's negative
 * TTL (RFC 2308); one without an SOA, and any failure, is not kept. Flushed when the session changes: another session
 * may have other servers.
 */
final class DnsCache {
    /** A question, as the cache tells questions apart: the flags that change the answer included. */
    record Key(String route, String name, int type, int dclass, boolean dnssecOk, boolean checkingDisabled) {}

    private record Entry(Message answer, long storedNanos, long ttlSeconds) {}

    private final int capacity;
    private final Map<Key, Entry> entries;

    DnsCache(int capacity) {
        this.capacity = capacity;
        this.entries = new LinkedHashMap<>(16, 0.75f, true);
    }

    synchronized Optional<Message> get(Key key, long nowNanos) {
        Entry entry = entries.get(key);
        if (entry == null) {
            return Optional.empty();
        }
        long age = Duration.ofNanos(nowNanos - entry.storedNanos).toSeconds();
        if (age >= entry.ttlSeconds) {
            entries.remove(key);
            return Optional.empty();
        }
        return Optional.of(aged(entry.answer, age));
    }

    synchronized void put(Key key, Message answer, long nowNanos) {
        long ttl = ttl(answer);
        if (ttl <= 0) {
            return;
        }
        entries.put(key, new Entry(answer, nowNanos, ttl));
        while (entries.size() > capacity) {
            entries.remove(entries.keySet().iterator().next());
        }
    }

    synchronized void flush() {
        entries.clear();
    }

    synchronized int size() {
        return entries.size();
    }

    /** How long an answer may be kept: its shortest TTL, or a negative answer's SOA minimum; 0 for not at all. */
    static long ttl(Message answer) {
        int rcode = answer.getRcode();
        if (answer.getHeader().getFlag(org.xbill.DNS.Flags.TC) || (rcode != Rcode.NOERROR && rcode != Rcode.NXDOMAIN)) {
            return 0;
        }
        if (rcode == Rcode.NOERROR && !answer.getSection(Section.ANSWER).isEmpty()) {
            return answer.getSection(Section.ANSWER).stream()
                    .mapToLong(Record::getTTL)
                    .min()
                    .orElse(0);
        }
        return answer.getSection(Section.AUTHORITY).stream()
                .filter(record -> record.getType() == Type.SOA)
                .mapToLong(record -> Math.min(record.getTTL(), ((SOARecord) record).getMinimum()))
                .findFirst()
                .orElse(0);
    }

    /** The answer with every TTL lowered by {@code age} seconds (the OPT pseudo-record's is flags: left alone). */
    private static Message aged(Message answer, long age) {
        Message copy = answer.clone();
        for (int section : new int[] {Section.ANSWER, Section.AUTHORITY, Section.ADDITIONAL}) {
            copy.removeAllRecords(section);
            for (Record record : answer.getSection(section)) {
                copy.addRecord(
                        record.getType() == Type.OPT
                                ? record
                                : Record.newRecord(
                                        record.getName(),
                                        record.getType(),
                                        record.getDClass(),
                                        Math.max(0, record.getTTL() - age),
                                        record.rdataToWireCanonical()),
                        section);
            }
        }
        return copy;
    }
}
