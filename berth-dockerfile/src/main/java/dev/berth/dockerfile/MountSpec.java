package dev.berth.dockerfile;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One {@code RUN --mount=...} option: comma-separated {@code key=value} fields (CSV quoting allowed).
 *
 * @param type bind (the default), cache, tmpfs, secret or ssh
 * @param target where it appears in the RUN container
 * @param source the path in {@code from} (bind, cache) or the context
 * @param from a stage or image to mount from, or null for the build context
 * @param readOnly whether it is read-only (bind mounts are unless rw is given)
 * @param id the cache or secret id (cache: defaults to the target)
 * @param sharing cache sharing: shared, private or locked
 * @param mode file mode for a new cache directory or secret, or null
 * @param uid owner uid or null
 * @param gid owner gid or null
 * @param required whether a secret or ssh socket must exist
 */
public record MountSpec(String type, String target, String source, String from, boolean readOnly, String id, String sharing,
                        String mode, Integer uid, Integer gid, boolean required) {

    /** Parses a --mount value. */
    public static MountSpec parse(String spec) throws DockerfileSyntaxException.Detail {
        String type = "bind";
        String target = null;
        String source = null;
        String from = null;
        Boolean readOnly = null;
        String id = null;
        String sharing = "shared";
        String mode = null;
        Integer uid = null;
        Integer gid = null;
        boolean required = false;
        for (String field : csv(spec)) {
            int eq = field.indexOf('=');
            String key = (eq < 0 ? field : field.substring(0, eq)).toLowerCase(Locale.ROOT).strip();
            String value = eq < 0 ? null : field.substring(eq + 1);
            switch (key) {
                case "type" -> {
                    type = need(key, value, spec);
                    if (!List.of("bind", "cache", "tmpfs", "secret", "ssh").contains(type)) {
                        throw new DockerfileSyntaxException.Detail("unsupported mount type " + GoText.quote(type));
                    }
                }
                case "target", "dst", "destination" -> target = need(key, value, spec);
                case "source", "src" -> source = need(key, value, spec);
                case "from" -> from = need(key, value, spec);
                case "readonly", "ro" -> readOnly = bool(key, value);
                case "rw", "readwrite" -> readOnly = !bool(key, value);
                case "id" -> id = need(key, value, spec);
                case "sharing" -> {
                    sharing = need(key, value, spec);
                    if (!List.of("shared", "private", "locked").contains(sharing)) {
                        throw new DockerfileSyntaxException.Detail("unsupported sharing value " + GoText.quote(sharing));
                    }
                }
                case "mode" -> mode = need(key, value, spec);
                case "uid" -> uid = integer(key, need(key, value, spec));
                case "gid" -> gid = integer(key, need(key, value, spec));
                case "required" -> required = bool(key, value);
                case "size", "env" -> need(key, value, spec);
                default -> throw new DockerfileSyntaxException.Detail("unexpected key '" + key + "' in '" + field + "'");
            }
        }
        if (target == null && !type.equals("secret") && !type.equals("ssh")) {
            throw new DockerfileSyntaxException.Detail("mount type " + type + " requires a target");
        }
        if (type.equals("cache") && id == null) {
            id = target;
        }
        return new MountSpec(type, target, source, from, readOnly != null ? readOnly : type.equals("bind"), id, sharing, mode, uid, gid, required);
    }

    private static String need(String key, String value, String spec) throws DockerfileSyntaxException.Detail {
        if (value == null) {
            throw new DockerfileSyntaxException.Detail("invalid field '" + key + "' must be a key=value pair in '" + spec + "'");
        }
        return value;
    }

    private static boolean bool(String key, String value) throws DockerfileSyntaxException.Detail {
        if (value == null) {
            return true;
        }
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true", "1" -> true;
            case "false", "0" -> false;
            default -> throw new DockerfileSyntaxException.Detail("invalid value for " + key + ": " + value);
        };
    }

    private static Integer integer(String key, String value) throws DockerfileSyntaxException.Detail {
        try {
            return Integer.valueOf(value);
        } catch (NumberFormatException e) {
            throw new DockerfileSyntaxException.Detail("invalid value for " + key + ": " + value);
        }
    }

    /** Splits one CSV record: commas separate fields, double quotes protect commas ("" is a quote). */
    static List<String> csv(String s) {
        List<String> out = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < s.length() && s.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                out.add(field.toString());
                field.setLength(0);
            } else {
                field.append(c);
            }
        }
        out.add(field.toString());
        return out;
    }
}
