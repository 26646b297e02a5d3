package dev.berth.cli.run;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.cli.format.HumanUnits;

import java.util.List;
import java.util.Locale;

/** docker's {@code --mount type=...,src=...,dst=...} CSV syntax, turned into the API's Mount object. */
final class MountFlag {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private MountFlag() {}

    static ArrayNode parseAll(List<String> specs) {
        ArrayNode out = F.arrayNode();
        for (String s : specs) {
            out.add(parse(s));
        }
        return out;
    }

    static ObjectNode parse(String spec) {
        ObjectNode m = F.objectNode();
        String type = "volume";
        for (String field : spec.split(",")) {
            String k = field.contains("=") ? field.substring(0, field.indexOf('=')).toLowerCase(Locale.ROOT) : field.toLowerCase(Locale.ROOT);
            if (k.equals("type")) {
                type = field.substring(field.indexOf('=') + 1).toLowerCase(Locale.ROOT);
            }
        }
        m.put("Type", type);
        ObjectNode bind = null;
        ObjectNode volume = null;
        ObjectNode tmpfs = null;
        for (String field : spec.split(",")) {
            int eq = field.indexOf('=');
            String key = (eq < 0 ? field : field.substring(0, eq)).toLowerCase(Locale.ROOT);
            String val = eq < 0 ? null : field.substring(eq + 1);
            if (val == null && !List.of("readonly", "ro", "volume-nocopy", "bind-nonrecursive", "bind-create-mountpoint").contains(key)) {
                throw invalid("invalid field '" + field + "' must be a key=value pair");
            }
            switch (key) {
                case "type" -> { }
                case "source", "src" -> m.put("Source", val);
                case "target", "dst", "destination" -> m.put("Target", val);
                case "readonly", "ro" -> m.put("ReadOnly", bool(field, val));
                case "consistency" -> m.put("Consistency", val);
                case "bind-propagation" -> (bind = bind == null ? F.objectNode() : bind).put("Propagation", val.toLowerCase(Locale.ROOT));
                case "bind-nonrecursive" -> (bind = bind == null ? F.objectNode() : bind).put("NonRecursive", bool(field, val));
                case "bind-create-mountpoint" -> (bind = bind == null ? F.objectNode() : bind).put("CreateMountpoint", bool(field, val));
                case "volume-nocopy" -> (volume = volume == null ? F.objectNode() : volume).put("NoCopy", bool(field, val));
                case "volume-label" -> {
                    volume = volume == null ? F.objectNode() : volume;
                    ObjectNode labels = volume.has("Labels") ? (ObjectNode) volume.get("Labels") : volume.putObject("Labels");
                    int e = val.indexOf('=');
                    labels.put(e < 0 ? val : val.substring(0, e), e < 0 ? "" : val.substring(e + 1));
                }
                case "volume-driver" -> {
                    volume = volume == null ? F.objectNode() : volume;
                    (volume.has("DriverConfig") ? (ObjectNode) volume.get("DriverConfig") : volume.putObject("DriverConfig")).put("Name", val);
                }
                case "volume-opt" -> {
                    volume = volume == null ? F.objectNode() : volume;
                    ObjectNode dc = volume.has("DriverConfig") ? (ObjectNode) volume.get("DriverConfig") : volume.putObject("DriverConfig");
                    ObjectNode opts = dc.has("Options") ? (ObjectNode) dc.get("Options") : dc.putObject("Options");
                    int e = val.indexOf('=');
                    if (e < 0) {
                        throw invalid("invalid value for volume-opt: " + val);
                    }
                    opts.put(val.substring(0, e), val.substring(e + 1));
                }
                case "volume-subpath" -> (volume = volume == null ? F.objectNode() : volume).put("Subpath", val);
                case "tmpfs-size" -> {
                    try {
                        (tmpfs = tmpfs == null ? F.objectNode() : tmpfs).put("SizeBytes", HumanUnits.parseBytes(val));
                    } catch (RuntimeException e) {
                        throw invalid("invalid value for " + key + ": " + val);
                    }
                }
                case "tmpfs-mode" -> {
                    try {
                        (tmpfs = tmpfs == null ? F.objectNode() : tmpfs).put("Mode", Integer.parseInt(val, 8));
                    } catch (NumberFormatException e) {
                        throw invalid("invalid value for " + key + ": " + val);
                    }
                }
                default -> throw invalid("unexpected key '" + key + "' in '" + field + "'");
            }
        }
        if (!m.has("Target")) {
            throw invalid("target is required");
        }
        if (bind != null && !type.equals("bind")) {
            throw invalid("cannot mix 'bind-*' options with mount type '" + type + "'");
        }
        if (volume != null && !type.equals("volume")) {
            throw invalid("cannot mix 'volume-*' options with mount type '" + type + "'");
        }
        if (tmpfs != null && !type.equals("tmpfs")) {
            throw invalid("cannot mix 'tmpfs-*' options with mount type '" + type + "'");
        }
        if (bind != null) {
            m.set("BindOptions", bind);
        }
        if (volume != null) {
            m.set("VolumeOptions", volume);
        }
        if (tmpfs != null) {
            m.set("TmpfsOptions", tmpfs);
        }
        return m;
    }

    private static boolean bool(String field, String val) {
        if (val == null) {
            return true;
        }
        return switch (val.toLowerCase(Locale.ROOT)) {
            case "1", "true" -> true;
            case "0", "false" -> false;
            default -> throw invalid("invalid value for '" + field + "'");
        };
    }

    private static IllegalArgumentException invalid(String why) {
        return new IllegalArgumentException(why);
    }

    /** Checks one value as the flag is parsed, so a bad one is a usage error (exit 125) as in docker. */
    static void check(String spec) {
        try {
            parse(spec);
        } catch (IllegalArgumentException e) {
            throw new dev.berth.cli.FlagSet.UsageException(125, "invalid argument \"" + spec + "\" for \"--mount\" flag: " + e.getMessage());
        }
    }
}
