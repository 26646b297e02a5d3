package dev.berth.oci;

import dev.berth.dockerfile.GoGlob;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A docker image reference, normalised as docker does: {@code busybox} is
 * {@code docker.io/library/busybox} (no tag until {@link #withDefaultTag()}), {@code user/app} is
 * {@code docker.io/user/app}, {@code localhost:5000/a/b:tag} keeps its registry.
 *
 * @param domain the registry host (and port), {@code docker.io} for Docker Hub
 * @param path   the repository path inside the registry, e.g. {@code library/busybox}
 * @param tag    the tag, or null
 * @param digest the digest, or null
 */
public record ImageReference(String domain, String path, String tag, Digest digest) {
    public static final String DEFAULT_DOMAIN = "docker.io";
    public static final String DEFAULT_TAG = "latest";
    private static final String LEGACY_DOMAIN = "index.docker.io";
    private static final String OFFICIAL_PREFIX = "library/";
    private static final int NAME_MAX = 255;

    private static final String ALNUM = "[a-z0-9]+";
    private static final String SEPARATOR = "(?:[._]|__|[-]+)";
    private static final String PATH_COMPONENT = ALNUM + "(?:" + SEPARATOR + ALNUM + ")*";
    private static final String DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
    private static final String HOST = "(?:" + DOMAIN_COMPONENT + "(?:\\." + DOMAIN_COMPONENT + ")*|\\[[a-fA-F0-9:]+\\])";
    private static final String DOMAIN = HOST + "(?::[0-9]+)?";
    private static final String TAG = "[\\w][\\w.-]{0,127}";
    private static final String DIGEST = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
    private static final Pattern REFERENCE = Pattern.compile(
            "((?:" + DOMAIN + "/)?" + PATH_COMPONENT + "(?:/" + PATH_COMPONENT + ")*)(?::(" + TAG + "))?(?:@(" + DIGEST + "))?");
    private static final Pattern TAG_ONLY = Pattern.compile(TAG);
    private static final Pattern HEX64 = Pattern.compile("[a-f0-9]{64}");

    public ImageReference {
        if (tag != null && !TAG_ONLY.matcher(tag).matches()) {
            throw new InvalidReferenceException("invalid tag format");
        }
    }

    /** Docker's ParseNormalizedNamed: the familiar forms are accepted and expanded. */
    public static ImageReference parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new InvalidReferenceException("invalid reference format");
        }
        if (HEX64.matcher(text).matches()) {
            throw new InvalidReferenceException("invalid repository name (" + text
                    + "), cannot specify 64-byte hexadecimal strings");
        }
        String domain;
        String remainder;
        int slash = text.indexOf('/');
        String first = slash < 0 ? "" : text.substring(0, slash);
        if (slash < 0 || (!first.contains(".") && !first.contains(":") && !first.equals("localhost")
                && first.toLowerCase(Locale.ROOT).equals(first))) {
            domain = DEFAULT_DOMAIN;
            remainder = text;
        } else {
            domain = first;
            remainder = text.substring(slash + 1);
        }
        if (domain.equals(LEGACY_DOMAIN)) {
            domain = DEFAULT_DOMAIN;
        }
        if (domain.equals(DEFAULT_DOMAIN) && remainder.indexOf('/') < 0) {
            remainder = OFFICIAL_PREFIX + remainder;
        }
        int colon = remainder.indexOf(':');
        String remote = colon < 0 ? remainder : remainder.substring(0, colon);
        if (!remote.toLowerCase(Locale.ROOT).equals(remote)) {
            throw new InvalidReferenceException("invalid reference format: repository name (" + remote + ") must be lowercase");
        }
        return parseCanonical(domain + "/" + remainder);
    }

    /** Parses a fully qualified reference ({@code domain/path[:tag][@digest]}) without normalising it. */
    private static ImageReference parseCanonical(String text) {
        Matcher m = REFERENCE.matcher(text);
        if (!m.matches()) {
            throw new InvalidReferenceException("invalid reference format");
        }
        String name = m.group(1);
        if (name.length() > NAME_MAX) {
            throw new InvalidReferenceException("repository name must not be more than " + NAME_MAX + " characters");
        }
        int slash = name.indexOf('/');
        Digest digest = null;
        if (m.group(3) != null) {
            try {
                digest = Digest.parse(m.group(3));
            } catch (IllegalArgumentException e) {
                throw new InvalidReferenceException("invalid reference format");
            }
        }
        return new ImageReference(name.substring(0, slash), name.substring(slash + 1), m.group(2), digest);
    }

    /** True for a string that can only be an image ID or ID prefix (hex, optionally {@code sha256:}). */
    public static boolean looksLikeId(String text) {
        String hex = text.startsWith("sha256:") ? text.substring(7) : text;
        return !hex.isEmpty() && hex.length() <= 64 && hex.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    }

    /** The repository name, fully qualified: {@code docker.io/library/busybox}. */
    public String name() {
        return domain + "/" + path;
    }

    /** The repository name as users write it: {@code busybox}, {@code user/app}, {@code localhost:5000/a}. */
    public String familiarName() {
        if (!domain.equals(DEFAULT_DOMAIN)) {
            return name();
        }
        if (path.startsWith(OFFICIAL_PREFIX) && path.indexOf('/', OFFICIAL_PREFIX.length()) < 0) {
            return path.substring(OFFICIAL_PREFIX.length());
        }
        return path;
    }

    /** The reference as docker displays it: {@code busybox:latest}. */
    public String familiar() {
        return familiarName() + suffix();
    }

    /** With {@code latest} added when the reference has neither tag nor digest (docker's TagNameOnly). */
    public ImageReference withDefaultTag() {
        return tag == null && digest == null ? new ImageReference(domain, path, DEFAULT_TAG, null) : this;
    }

    /** The same repository with {@code newTag} and no digest; an invalid tag is refused. */
    public ImageReference withTag(String newTag) {
        return new ImageReference(domain, path, newTag, null);
    }

    /** Only the repository name. */
    public ImageReference nameOnly() {
        return new ImageReference(domain, path, null, null);
    }

    /**
     * Docker's FamiliarMatch: the shell pattern ({@code *}, {@code ?}, {@code [..]}, not crossing
     * {@code /}) matches the familiar string or the familiar name.
     *
     * @throws InvalidReferenceException for a malformed pattern (an unclosed class, a reversed range)
     */
    public boolean familiarMatch(String pattern) {
        // Go's matcher, not a regex: a regex of many stars backtracks exponentially (found by ImageInputsFuzzTest)
        GoGlob glob;
        try {
            glob = GoGlob.compile(pattern);
        } catch (GoGlob.BadPatternException e) {
            throw badPattern(pattern);
        }
        return glob.matches(familiar()) || glob.matches(familiarName());
    }

    private static InvalidReferenceException badPattern(String glob) {
        return new InvalidReferenceException("syntax error in pattern: " + glob);
    }

    private String suffix() {
        return (tag == null ? "" : ":" + tag) + (digest == null ? "" : "@" + digest);
    }

    /** The fully qualified form: {@code docker.io/library/busybox:latest}. */
    @Override
    public String toString() {
        return name() + suffix();
    }

    /** A reference docker would refuse, with docker's message. */
    public static final class InvalidReferenceException extends IllegalArgumentException {
        public InvalidReferenceException(String message) {
            super(message);
        }
    }
}
