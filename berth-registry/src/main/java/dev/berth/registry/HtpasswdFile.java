package dev.berth.registry;

import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * An htpasswd file of bcrypt entries ({@code user:$2y$...} as {@code htpasswd -B} writes them). Re-read when it
 * changes on disk. Other hash kinds (MD5, SHA1, crypt) are refused at load: they are too weak to accept.
 * A successful bcrypt check is remembered (as a SHA-256 of the password) so a client sending Basic credentials
 * on every request does not pay for bcrypt each time.
 */
final class HtpasswdFile {
    private static final Logger LOG = Logger.getLogger(HtpasswdFile.class.getName());
    /**
     * 53 characters of bcrypt's base64 alphabet (anything else loaded would make every login of that user fail
     * inside bcrypt with an exception, a 500), and a cost of 4 to 17, the range {@code htpasswd -C} writes. bcrypt
     * itself takes up to 31, but every wrong password is checked in full: at cost 31 (2^31 rounds, days of CPU) any
     * client naming that user could keep the registry's cores busy with a few requests.
     */
    private static final Pattern BCRYPT = Pattern.compile("\\$2[aby]\\$(0[4-9]|1[0-7])\\$[./A-Za-z0-9]{53}");
    private final Path path;
    private volatile Map<String, String> entries = Map.of();
    private volatile FileTime loaded;
    /** The modification time of a version of the file that was refused, so it is not parsed again each request. */
    private volatile FileTime refused;
    private final Map<String, byte[]> verified = new ConcurrentHashMap<>();

    HtpasswdFile(Path path) throws IOException {
        this.path = path;
        reload();
    }

    private synchronized void reload() throws IOException {
        FileTime mtime = Files.getLastModifiedTime(path);
        if (mtime.equals(loaded) || mtime.equals(refused)) {
            return;
        }
        Map<String, String> m = new HashMap<>();
        int line = 0;
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(Files.readAllBytes(path))).toString();
        } catch (CharacterCodingException e) {
            // Files.readAllLines threw MalformedInputException, "Input length = 1": no hint which file is wrong
            refused = mtime;
            throw new IllegalArgumentException(path + ": not UTF-8 text");
        }
        for (String l : text.lines().toList()) {
            line++;
            l = l.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            int colon = l.indexOf(':');
            String hash = colon < 0 ? "" : l.substring(colon + 1);
            if (colon <= 0 || !BCRYPT.matcher(hash).matches()) {
                refused = mtime;
                throw new IllegalArgumentException(path + " line " + line
                        + ": only bcrypt entries are accepted (htpasswd -B), with a cost from 04 to 17 (htpasswd -C's range)");
            }
            m.put(l.substring(0, colon), hash);
        }
        entries = Map.copyOf(m);
        verified.clear();
        loaded = mtime;
    }

    /** Whether {@code password} is {@code user}'s. */
    boolean check(String user, String password) {
        try {
            reload();
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + path, e);
        } catch (IllegalArgumentException e) {
            // An edit gone wrong while serving: the users loaded before stay valid rather than every login failing
            // with a 500. Said once per version of the file (reload skips a version it refused).
            LOG.warning(e.getMessage() + "; keeping the users loaded before");
        }
        String hash = entries.get(user);
        if (hash == null) {
            return false;
        }
        byte[] fingerprint = sha256(hash + "\0" + password);
        byte[] known = verified.get(user);
        if (known != null && MessageDigest.isEqual(known, fingerprint)) {
            return true;
        }
        boolean ok = OpenBSDBCrypt.checkPassword(hash.replace("$2y$", "$2b$"), password.toCharArray());
        if (ok) {
            verified.put(user, fingerprint);
        }
        return ok;
    }

    private static byte[] sha256(String s) {
        return dev.berth.oci.Digest.newSha256().digest(s.getBytes(StandardCharsets.UTF_8));
    }

    /** The user and password of a {@code Basic} Authorization header, if it is one. */
    static Optional<String[]> basicCredentials(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return Optional.empty();
        }
        try {
            String decoded = new String(java.util.Base64.getDecoder().decode(authorization.substring(6).strip()),
                    StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            return colon < 0 ? Optional.empty()
                    : Optional.of(new String[] {decoded.substring(0, colon), decoded.substring(colon + 1)});
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
