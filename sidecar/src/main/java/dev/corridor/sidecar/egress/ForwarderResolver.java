package dev.corridor.sidecar.egress;

import dev.corridor.sidecar.dns.DnsForwarder;
import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * Names resolved by the sidecar's DNS forwarder, as a pod's query would be: corporate names by the gateway's DNS
 * servers through the tunnel (failing at once while the session is down), others by the cluster's resolver, all
 * from one cache. IPv4 first; IPv6 when a name has no IPv4 address.
 */
public final class ForwarderResolver implements NameResolver {
    private final DnsForwarder forwarder;

    public ForwarderResolver(DnsForwarder forwarder) {
        this.forwarder = forwarder;
    }

    @Override
    public List<InetAddress> resolve(String name) throws IOException {
        Name absolute;
        try {
            absolute = Name.fromString(name, Name.root);
        } catch (TextParseException e) {
            throw new IOException("'" + name + "' is not a DNS name");
        }
        List<InetAddress> addresses = query(absolute, Type.A);
        return addresses.isEmpty() ? query(absolute, Type.AAAA) : addresses;
    }

    private List<InetAddress> query(Name name, int type) throws IOException {
        Message question = Message.newQuery(Record.newRecord(name, type, DClass.IN));
        Optional<byte[]> reply = forwarder.answer(question.toWire());
        if (reply.isEmpty()) {
            throw new IOException("no answer for " + name);
        }
        Message answer = new Message(reply.get());
        if (answer.getRcode() != Rcode.NOERROR) {
            throw new IOException(name + " does not resolve (" + Rcode.string(answer.getRcode()) + ")");
        }
        List<InetAddress> addresses = new ArrayList<>();
        for (Record record : answer.getSection(Section.ANSWER)) {
            if (record instanceof ARecord a) {
                addresses.add(a.getAddress());
            } else if (record instanceof AAAARecord aaaa) {
                addresses.add(aaaa.getAddress());
            }
        }
        return addresses;
    }
}
