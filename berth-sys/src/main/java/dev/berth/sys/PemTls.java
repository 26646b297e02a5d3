package dev.berth.sys;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * TLS material from the PEM files docker uses ({@code ca.pem}, {@code cert.pem}, {@code key.pem}): certificates,
 * private keys in PKCS#8, PKCS#1 (RSA) or SEC1 (EC) form, and the key and trust managers built from them.
 */
public final class PemTls {
    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----\\s*([A-Za-z0-9+/=\\s]+?)\\s*-----END \\1-----");
    /** rsaEncryption and id-ecPublicKey, DER-encoded with their tag and length. */
    private static final byte[] RSA_OID = {0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01};
    private static final byte[] EC_OID = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};

    private PemTls() {}

    private record Block(String type, byte[] der) {}

    private static List<Block> blocks(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        List<Block> out = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            out.add(new Block(m.group(1), Base64.getMimeDecoder().decode(m.group(2))));
        }
        return out;
    }

    /** Every certificate in {@code file}, in order (a chain: the leaf first). */
    public static X509Certificate[] certificates(Path file) throws IOException {
        List<X509Certificate> out = new ArrayList<>();
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            for (Block b : blocks(file)) {
                if (b.type().equals("CERTIFICATE")) {
                    out.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(b.der())));
                }
            }
        } catch (GeneralSecurityException e) {
            throw new IOException(file + ": not a valid certificate: " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new IOException(file + ": no PEM certificate found");
        }
        return out.toArray(X509Certificate[]::new);
    }

    /** The first private key in {@code file}. */
    public static PrivateKey privateKey(Path file) throws IOException {
        for (Block b : blocks(file)) {
            try {
                switch (b.type()) {
                    case "PRIVATE KEY" -> {
                        return pkcs8(b.der());
                    }
                    case "RSA PRIVATE KEY" -> {
                        return pkcs8(wrap(RSA_OID, new byte[] {0x05, 0x00}, b.der()));
                    }
                    case "EC PRIVATE KEY" -> {
                        return pkcs8(wrap(EC_OID, curveOf(b.der()), b.der()));
                    }
                    case "ENCRYPTED PRIVATE KEY" -> throw new IOException(file + ": encrypted private keys are not supported");
                    default -> {
                        // certificates or parameters before the key
                    }
                }
            } catch (GeneralSecurityException | RuntimeException e) {
                throw new IOException(file + ": unreadable private key: " + e.getMessage(), e);
            }
        }
        throw new IOException(file + ": no PEM private key found");
    }

    private static PrivateKey pkcs8(byte[] der) throws GeneralSecurityException {
        GeneralSecurityException last = null;
        for (String alg : List.of("RSA", "EC", "Ed25519")) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                last = e;
            }
        }
        throw last;
    }

    /** PKCS#8 PrivateKeyInfo: SEQUENCE { 0, SEQUENCE { algorithm, parameters }, OCTET STRING key }. */
    private static byte[] wrap(byte[] algorithm, byte[] parameters, byte[] key) {
        byte[] alg = der(0x30, concat(algorithm, parameters));
        return der(0x30, concat(new byte[] {0x02, 0x01, 0x00}, alg, der(0x04, key)));
    }

    /** The named curve of a SEC1 ECPrivateKey: its [0] element holds the curve's OID. */
    private static byte[] curveOf(byte[] sec1) {
        int[] seq = header(sec1, 0);
        int p = seq[0];
        int end = seq[0] + seq[1];
        while (p < end) {
            int tag = sec1[p] & 0xff;
            int[] h = header(sec1, p);
            if (tag == 0xa0) {
                byte[] oid = new byte[h[1]];
                System.arraycopy(sec1, h[0], oid, 0, h[1]);
                return oid;
            }
            p = h[0] + h[1];
        }
        throw new IllegalArgumentException("EC key without a named curve");
    }

    /** {content offset, content length} of the DER element at {@code at}. */
    private static int[] header(byte[] d, int at) {
        int len = d[at + 1] & 0xff;
        int off = at + 2;
        if (len > 0x7f) {
            int n = len & 0x7f;
            len = 0;
            for (int i = 0; i < n; i++) {
                len = (len << 8) | (d[off + i] & 0xff);
            }
            off += n;
        }
        if (len < 0 || off + len > d.length) {
            throw new IllegalArgumentException("truncated DER");
        }
        return new int[] {off, len};
    }

    private static byte[] der(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        int n = content.length;
        if (n < 0x80) {
            out.write(n);
        } else {
            int bytes = n > 0xffffff ? 4 : n > 0xffff ? 3 : n > 0xff ? 2 : 1;
            out.write(0x80 | bytes);
            for (int i = bytes - 1; i >= 0; i--) {
                out.write(n >>> (8 * i));
            }
        }
        out.writeBytes(content);
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** Key managers presenting {@code cert} (a PEM chain) with {@code key}. */
    public static KeyManagerFactory keyManagers(Path cert, Path key) throws IOException {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            char[] none = new char[0];
            ks.setKeyEntry("key", privateKey(key), none, (Certificate[]) certificates(cert));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, none);
            return kmf;
        } catch (GeneralSecurityException e) {
            throw new IOException("TLS key pair " + cert + " / " + key + ": " + e.getMessage(), e);
        }
    }

    /** Trust managers that accept exactly the CAs in {@code ca}. */
    public static TrustManagerFactory trustManagers(Path ca) throws IOException {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            int i = 0;
            for (X509Certificate c : certificates(ca)) {
                ks.setCertificateEntry("ca" + i++, c);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            return tmf;
        } catch (GeneralSecurityException e) {
            throw new IOException("TLS CA " + ca + ": " + e.getMessage(), e);
        }
    }

    /**
     * A client context as the docker CLI builds one: trust {@code ca} (or the system's CAs when null) when
     * {@code verify}, anything otherwise; present {@code cert}/{@code key} when both are given.
     */
    public static SSLContext clientContext(Path ca, Path cert, Path key, boolean verify) throws IOException {
        try {
            TrustManager[] trust;
            if (!verify) {
                trust = new TrustManager[] {new TrustAnything()};
            } else if (ca != null) {
                trust = trustManagers(ca).getTrustManagers();
            } else {
                trust = null; // the JDK's default CAs
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(cert != null && key != null ? keyManagers(cert, key).getKeyManagers() : null, trust, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IOException("TLS setup failed: " + e.getMessage(), e);
        }
    }

    /** {@code --tls} without {@code --tlsverify}: encrypted, but the server is not authenticated (docker's InsecureSkipVerify). */
    private static final class TrustAnything implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
            // client side only
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
            // deliberately unverified: what the user asked for with --tls alone
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
