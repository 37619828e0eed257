package dev.corridor.sidecar.transport.dtls;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * DTLS 1.2 datagrams as a peer on the wire sees them, read and written byte by byte from RFC 6347 and RFC 5288,
 * independently of the code under test: the record headers (whose content type is in clear in every epoch), the
 * ClientHello, and records sealed with AES-GCM.
 */
final class DtlsWire {
    static final int CHANGE_CIPHER_SPEC = 20;
    static final int ALERT = 21;
    static final int HANDSHAKE = 22;
    static final int APPLICATION_DATA = 23;
    static final int CLIENT_HELLO = 1;
    static final int SERVER_HELLO = 2;
    private static final int HEADER = 13;

    private DtlsWire() {}

    /** One record of a datagram: the header fields and the fragment, still encrypted in epochs above 0. */
    record Record(int type, int epoch, long sequence, byte[] fragment) {
        /** The handshake message type of a plaintext handshake record (epoch 0). */
        int handshakeType() {
            return fragment[0] & 0xff;
        }
    }

    /** The records of a datagram; a datagram that is not whole DTLS records is an {@link IllegalArgumentException}. */
    static List<Record> records(byte[] datagram) {
        List<Record> records = new ArrayList<>();
        ByteBuffer in = ByteBuffer.wrap(datagram);
        while (in.hasRemaining()) {
            if (in.remaining() < HEADER) {
                throw new IllegalArgumentException("a record header cut short: " + Arrays.toString(datagram));
            }
            int type = in.get() & 0xff;
            int major = in.get() & 0xff;
            in.get();
            if (major != 0xFE) {
                throw new IllegalArgumentException("not a DTLS record: version " + major);
            }
            int epoch = in.getShort() & 0xffff;
            long sequence = (long) (in.getShort() & 0xffff) << 32 | (in.getInt() & 0xffffffffL);
            int length = in.getShort() & 0xffff;
            if (length > in.remaining()) {
                throw new IllegalArgumentException("a record of " + length + " bytes in " + in.remaining());
            }
            byte[] fragment = new byte[length];
            in.get(fragment);
            records.add(new Record(type, epoch, sequence, fragment));
        }
        return records;
    }

    /** True when any record of the datagram is an alert, in whatever epoch (the content type is never encrypted). */
    static boolean carriesAlert(byte[] datagram) {
        return records(datagram).stream().anyMatch(r -> r.type() == ALERT);
    }

    /** True when the datagram is the client's ClientHello and nothing else. */
    static boolean isClientHello(byte[] datagram) {
        List<Record> records = records(datagram);
        return records.size() == 1
                && records.getFirst().type() == HANDSHAKE
                && records.getFirst().epoch() == 0
                && records.getFirst().handshakeType() == CLIENT_HELLO;
    }

    /** What a ClientHello offers. */
    record ClientHello(byte[] sessionId, List<Integer> cipherSuites) {}

    /** Parses the ClientHello that makes up a whole datagram (an unfragmented handshake message, RFC 6347 4.2.2). */
    static ClientHello clientHello(byte[] datagram) {
        if (!isClientHello(datagram)) {
            throw new IllegalArgumentException("not a ClientHello datagram");
        }
        ByteBuffer in = ByteBuffer.wrap(records(datagram).getFirst().fragment());
        in.get(); // msg_type
        int length = uint24(in);
        in.getShort(); // message_seq
        int fragmentOffset = uint24(in);
        int fragmentLength = uint24(in);
        if (fragmentOffset != 0 || fragmentLength != length) {
            throw new IllegalArgumentException("a fragmented ClientHello");
        }
        in.getShort(); // client_version
        in.position(in.position() + 32); // random
        byte[] sessionId = new byte[in.get() & 0xff];
        in.get(sessionId);
        int cookieLength = in.get() & 0xff;
        in.position(in.position() + cookieLength);
        int suitesLength = in.getShort() & 0xffff;
        List<Integer> suites = new ArrayList<>();
        for (int i = 0; i < suitesLength / 2; i++) {
            suites.add(in.getShort() & 0xffff);
        }
        return new ClientHello(sessionId, suites);
    }

    /** A record with a plaintext fragment, as epoch 0 carries them. */
    static byte[] plaintextRecord(int type, int epoch, long sequence, byte[] fragment) {
        ByteBuffer out = ByteBuffer.allocate(HEADER + fragment.length);
        header(out, type, epoch, sequence, fragment.length);
        return out.put(fragment).array();
    }

    /**
     * An AES-GCM record (RFC 5288): the nonce is the 4-byte salt and the 8-byte explicit nonce (here the epoch and
     * sequence, as GnuTLS does), the additional data the epoch and sequence, type, version and plaintext length.
     */
    static byte[] sealedRecord(int type, int epoch, long sequence, byte[] plaintext, byte[] key, byte[] salt) {
        ByteBuffer explicitNonce = ByteBuffer.allocate(8)
                .putShort((short) epoch)
                .putShort((short) (sequence >>> 32))
                .putInt((int) sequence);
        ByteBuffer nonce = ByteBuffer.allocate(12).put(salt).put(explicitNonce.array());
        ByteBuffer additionalData = ByteBuffer.allocate(13)
                .put(explicitNonce.array())
                .put((byte) type)
                .put((byte) 0xFE)
                .put((byte) 0xFD)
                .putShort((short) plaintext.length);
        byte[] ciphertext;
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce.array()));
            cipher.updateAAD(additionalData.array());
            ciphertext = cipher.doFinal(plaintext);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        ByteBuffer out = ByteBuffer.allocate(HEADER + 8 + ciphertext.length);
        header(out, type, epoch, sequence, 8 + ciphertext.length);
        return out.put(explicitNonce.array()).put(ciphertext).array();
    }

    /** Opens an AES-GCM record sealed as {@link #sealedRecord} describes: its plaintext. */
    static byte[] open(Record record, byte[] key, byte[] salt) throws GeneralSecurityException {
        byte[] fragment = record.fragment();
        byte[] nonce = ByteBuffer.allocate(12).put(salt).put(fragment, 0, 8).array();
        int plaintextLength = fragment.length - 8 - 16;
        ByteBuffer additionalData = ByteBuffer.allocate(13)
                .putShort((short) record.epoch())
                .putShort((short) (record.sequence() >>> 32))
                .putInt((int) record.sequence())
                .put((byte) record.type())
                .put((byte) 0xFE)
                .put((byte) 0xFD)
                .putShort((short) plaintextLength);
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
        cipher.updateAAD(additionalData.array());
        return cipher.doFinal(fragment, 8, fragment.length - 8);
    }

    private static void header(ByteBuffer out, int type, int epoch, long sequence, int length) {
        out.put((byte) type)
                .put((byte) 0xFE)
                .put((byte) 0xFD)
                .putShort((short) epoch)
                .putShort((short) (sequence >>> 32))
                .putInt((int) sequence)
                .putShort((short) length);
    }

    private static int uint24(ByteBuffer in) {
        return (in.get() & 0xff) << 16 | (in.getShort() & 0xffff);
    }
}
