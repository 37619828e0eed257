package dev.corridor.sidecar.transport.dtls;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Known answers from a real DTLS 0.9 exchange: openconnect 9.01 (GnuTLS 3.7.9) against ocserv 1.1.6 (GnuTLS) in the
 * lab, captured with tcpdump, with the master secret openconnect sent in X-DTLS-Master-Secret ({@code
 * --dump-http-traffic}). From those bytes alone, Corridor's TLS 1.0 PRF, key block, Finished hash (message bodies
 * only) and CBC record layer must reproduce both Finished values and open every record, both ways.
 */
class Dtls09FixtureTest {
    private static final int MESSAGE_HEADER = 12;

    record Fixture(
            DtlsSuite suite,
            byte[] master,
            byte[] sessionId,
            List<byte[]> fromClient,
            List<byte[]> fromGateway,
            List<String> order) {}

    @ParameterizedTest
    @CsvSource({"dtls09-aes256-sha.txt, DTLS09_AES_256_CBC_SHA", "dtls09-aes128-sha.txt, DTLS09_AES_128_CBC_SHA"})
    void reproducesBothFinishedValuesAndOpensEveryRecordOfARealExchange(String file, DtlsSuite suite) throws Exception {
        Fixture fixture = load(file, suite);
        byte[] clientHello = fixture.fromClient().get(0);
        byte[] serverHello = fixture.fromGateway().get(0);
        assertThat(Arrays.copyOfRange(clientHello, 0, 3))
                .as("a DTLS 0.9 handshake record")
                .containsExactly(22, 1, 0);
        byte[] clientHelloBody = Arrays.copyOfRange(clientHello, 13 + MESSAGE_HEADER, clientHello.length);
        byte[] serverHelloBody = Arrays.copyOfRange(serverHello, 13 + MESSAGE_HEADER, serverHello.length);
        byte[] clientRandom = Arrays.copyOfRange(clientHelloBody, 2, 34);
        byte[] serverRandom = Arrays.copyOfRange(serverHelloBody, 2, 34);
        assertThat(Arrays.copyOfRange(serverHelloBody, 35, 67))
                .as("the gateway resumes the session")
                .isEqualTo(fixture.sessionId());

        byte[] keyBlock = LegacyPrf.prf(
                fixture.master(),
                "key expansion",
                LegacyPrf.concat(serverRandom, clientRandom),
                DtlsKeys.keyBlockLength(suite));
        DtlsKeys client = DtlsKeys.fromKeyBlock(suite, 1, keyBlock, 0);
        DtlsRecordLayer.Opener clientOpener =
                DtlsRecordLayer.of(client).opener().openingHandshakes(true);
        DtlsRecordLayer.Opener gatewayOpener =
                DtlsRecordLayer.of(client.mirrored(0)).opener().openingHandshakes(true);

        // The gateway's Finished: the third datagram it sent (after the ServerHello and the 3-byte ChangeCipherSpec).
        assertThat(fixture.fromGateway().get(1))
                .as("DTLS 0.9's ChangeCipherSpec carries the message_seq")
                .containsExactly(20, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 3, 1, 0, 1);
        byte[] serverFinished = open(gatewayFinishedRecord(fixture), clientOpener, DtlsRecordLayer.Outcome.HANDSHAKE);
        byte[] transcript = LegacyPrf.concat(clientHelloBody, serverHelloBody);
        byte[] serverVerify = Arrays.copyOfRange(serverFinished, MESSAGE_HEADER, MESSAGE_HEADER + 12);
        assertThat(serverVerify).isEqualTo(LegacyPrf.finished(fixture.master(), "server finished", transcript));

        // The client's: CCS and Finished in one datagram; the hash now includes the gateway's Finished (its body only).
        byte[] clientFlight = fixture.fromClient().get(1);
        assertThat(Arrays.copyOfRange(clientFlight, 0, 16))
                .containsExactly(20, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 3, 1, 0, 1);
        byte[] clientFinished = open(
                Arrays.copyOfRange(clientFlight, 16, clientFlight.length),
                gatewayOpener,
                DtlsRecordLayer.Outcome.HANDSHAKE);
        assertThat(Arrays.copyOfRange(clientFinished, 0, 6))
                .as("Finished, 12 bytes, message_seq 2 after the CCS took 1")
                .containsExactly(20, 0, 0, 12, 0, 2);
        assertThat(Arrays.copyOfRange(clientFinished, MESSAGE_HEADER, MESSAGE_HEADER + 12))
                .isEqualTo(LegacyPrf.finished(
                        fixture.master(), "client finished", LegacyPrf.concat(transcript, serverVerify)));

        int echoes = 0;
        for (byte[] datagram :
                fixture.fromGateway().subList(3, fixture.fromGateway().size())) {
            byte[] plaintext = open(datagram, clientOpener, DtlsRecordLayer.Outcome.DATA);
            echoes += isPingWithPattern(plaintext, 0) ? 1 : 0;
        }
        int requests = 0;
        for (byte[] datagram :
                fixture.fromClient().subList(2, fixture.fromClient().size())) {
            byte[] plaintext = open(datagram, gatewayOpener, DtlsRecordLayer.Outcome.DATA);
            requests += isPingWithPattern(plaintext, 8) ? 1 : 0;
        }
        assertThat(requests)
                .as("the two pings (ping -p 5a), as the client sealed them")
                .isEqualTo(2);
        assertThat(echoes).as("their replies, as the gateway sealed them").isEqualTo(2);
    }

    private static byte[] gatewayFinishedRecord(Fixture fixture) {
        return fixture.fromGateway().get(2);
    }

    /** An AnyConnect DATA packet holding an ICMP echo (type 8) or reply (0) whose data is the 0x5a pattern. */
    private static boolean isPingWithPattern(byte[] plaintext, int icmpType) {
        if (plaintext.length < 1 + 20 + 8 + 16
                || plaintext[0] != 0
                || (plaintext[1] & 0xf0) != 0x40
                || plaintext[10] != 1) {
            return false;
        }
        int icmp = 1 + (plaintext[1] & 0x0f) * 4;
        if ((plaintext[icmp] & 0xff) != icmpType) {
            return false;
        }
        for (int i = icmp + 8 + 16; i < plaintext.length; i++) { // after the timestamp ping puts first
            if (plaintext[i] != 0x5a) {
                return false;
            }
        }
        return true;
    }

    /** Opens one whole-record datagram where the channel would (with room before it) and returns the plaintext. */
    static byte[] open(byte[] record, DtlsRecordLayer.Opener opener, DtlsRecordLayer.Outcome expected) {
        byte[] buf = record.clone();
        assertThat(DtlsRecordLayer.recordLength(buf, 0, record.length)).isEqualTo(record.length);
        assertThat(opener.open(buf, 0, record.length)).isEqualTo(expected);
        return Arrays.copyOfRange(buf, opener.plaintextOffset(), opener.plaintextOffset() + opener.plaintextLength());
    }

    static Fixture load(String name, DtlsSuite suite) throws IOException {
        byte[] master = null;
        byte[] sessionId = null;
        List<byte[]> fromClient = new ArrayList<>();
        List<byte[]> fromGateway = new ArrayList<>();
        List<String> order = new ArrayList<>();
        try (InputStream in = Dtls09FixtureTest.class.getResourceAsStream("/dtls/" + name)) {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            in.transferTo(all);
            for (String line : all.toString(StandardCharsets.US_ASCII).split("\n")) {
                String[] parts = line.split(" ", 2);
                switch (parts[0]) {
                    case "master" -> master = HexFormat.of().parseHex(parts[1].strip());
                    case "session" -> sessionId = HexFormat.of().parseHex(parts[1].strip());
                    case "c>" -> {
                        fromClient.add(HexFormat.of().parseHex(parts[1].strip()));
                        order.add("c");
                    }
                    case "s>" -> {
                        fromGateway.add(HexFormat.of().parseHex(parts[1].strip()));
                        order.add("s");
                    }
                    default -> {}
                }
            }
        }
        return new Fixture(suite, master, sessionId, fromClient, fromGateway, order);
    }
}
