package dev.berth.cli.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** {@code --security-opt}, {@code --device} and {@code --device-cgroup-rule} as the docker CLI turns them into a request. */
final class SecurityFlags {
    private static final Pattern RULE = Pattern.compile("^([acb]) ([0-9]+|\\*):([0-9]+|\\*) ([rwm]{1,3})$");
    private static final Pattern PERMS = Pattern.compile("^[rwm]{1,3}$");
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private SecurityFlags() {}

    /**
     * The options as sent: a {@code seccomp=<file>} becomes {@code seccomp=<the file's JSON, compacted>} because the
     * daemon may be on another machine; {@code unconfined} and {@code builtin} go as they are.
     */
    static List<String> securityOpts(List<String> opts) {
        List<String> out = new ArrayList<>();
        for (String opt : opts) {
            if (opt.equals("no-new-privileges")) {
                out.add(opt);
                continue;
            }
            int sep = opt.indexOf('=');
            if (sep < 0) {
                sep = opt.indexOf(':');
            }
            if (sep <= 0) {
                throw new CreateRequest.InvalidFlagException("Invalid --security-opt: \"" + opt + "\"");
            }
            String key = opt.substring(0, sep);
            String value = opt.substring(sep + 1);
            if (key.equals("seccomp") && !value.equals("unconfined") && !value.equals("builtin")) {
                out.add("seccomp=" + profile(value));
            } else {
                out.add(opt);
            }
        }
        return out;
    }

    private static String profile(String file) {
        String text;
        try {
            text = Files.readString(Path.of(file));
        } catch (IOException e) {
            throw new CreateRequest.InvalidFlagException("opening seccomp profile (" + file + ") failed: " + e.getMessage());
        }
        try {
            JsonNode n = MAPPER.readTree(text);
            return MAPPER.writeValueAsString(n);
        } catch (IOException e) {
            throw new CreateRequest.InvalidFlagException("compacting json for seccomp profile (" + file + ") failed: "
                    + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    /** {@code --device host[:container][:perms]}, as {@code HostConfig.Devices}. */
    static ArrayNode devices(List<String> specs) {
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        for (String spec : specs) {
            String[] p = spec.split(":", -1);
            String host = p[0];
            String inside = host;
            String perms = "rwm";
            switch (p.length) {
                case 1 -> { }
                case 2 -> {
                    if (PERMS.matcher(p[1]).matches()) {
                        perms = p[1];
                    } else {
                        inside = p[1];
                    }
                }
                case 3 -> {
                    inside = p[1];
                    perms = p[2];
                }
                default -> throw badDevice(spec);
            }
            if (host.isEmpty() || inside.isEmpty() || !PERMS.matcher(perms).matches() || !inside.startsWith("/")) {
                throw badDevice(spec);
            }
            ObjectNode d = out.addObject();
            d.put("PathOnHost", host);
            d.put("PathInContainer", inside);
            d.put("CgroupPermissions", perms);
        }
        return out;
    }

    private static CreateRequest.InvalidFlagException badDevice(String spec) {
        return new CreateRequest.InvalidFlagException("invalid argument \"" + spec + "\" for \"--device\" flag: bad format for path: " + spec);
    }

    /** {@code --device-cgroup-rule}, checked as docker does before sending. */
    static List<String> deviceCgroupRules(List<String> rules) {
        for (String r : rules) {
            if (!RULE.matcher(r).matches()) {
                throw new CreateRequest.InvalidFlagException("invalid argument \"" + r
                        + "\" for \"--device-cgroup-rule\" flag: invalid device cgroup format '" + r + "'");
            }
        }
        return rules;
    }
}
