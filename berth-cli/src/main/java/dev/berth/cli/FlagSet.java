package dev.berth.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A command's flags, parsed as the docker CLI's pflag does: {@code --name value}, {@code --name=value},
 * clustered shorthands ({@code -it}, {@code -p80:80}), {@code --} and, for commands whose trailing
 * arguments belong to the container, no flags after the first positional. Hand-written instead of a
 * library so that start-up stays inside the AOT cache (picocli's classes are Java 5 bytecode, which
 * the cache cannot hold).
 */
public final class FlagSet {
    /** One flag; {@code shortName} is 0 when there is none. */
    public record Flag(char shortName, String longName, String valueName, String usage, boolean takesValue, boolean hidden,
                       Consumer<String> setter) {
        /** "-n, --last" as docker names a flag in errors. */
        public String display() {
            return (shortName != 0 ? "-" + shortName + ", " : "") + "--" + longName;
        }
    }

    /** A usage error: docker exits 125 for flag errors, 1 for wrong argument counts. */
    public static final class UsageException extends RuntimeException {
        private final int code;

        public UsageException(int code, String message) {
            super(message, null, false, false);
            this.code = code;
        }

        public int code() {
            return code;
        }
    }

    private final List<Flag> flags = new ArrayList<>();
    private boolean help;

    /** Flags in declaration order. */
    public List<Flag> flags() {
        return flags;
    }

    public boolean helpRequested() {
        return help;
    }

    private static char shortOf(String names) {
        int comma = names.indexOf(',');
        return comma == 1 ? names.charAt(0) : 0;
    }

    private static String longOf(String names) {
        int comma = names.indexOf(',');
        return comma < 0 ? names : names.substring(comma + 1);
    }

    private FlagSet add(String names, String valueName, String usage, boolean takesValue, boolean hidden, Consumer<String> setter) {
        flags.add(new Flag(shortOf(names), longOf(names), valueName, usage, takesValue, hidden, setter));
        return this;
    }

    /** A boolean flag; names are "long" or "s,long". Accepts {@code --flag=false}. */
    public FlagSet bool(String names, String usage, Consumer<Boolean> set) {
        String display = (shortOf(names) != 0 ? "-" + shortOf(names) + ", " : "") + "--" + longOf(names);
        return add(names, null, usage, false, false, v -> set.accept(parseBool(v, display)));
    }

    public FlagSet string(String names, String valueName, String usage, Consumer<String> set) {
        return add(names, valueName, usage, true, false, set);
    }

    /** A flag that may repeat; each value is added. */
    public FlagSet list(String names, String valueName, String usage, List<String> target) {
        return add(names, valueName, usage, true, false, target::add);
    }

    public FlagSet integer(String names, String valueName, String usage, Consumer<Long> set) {
        String display = (shortOf(names) != 0 ? "-" + shortOf(names) + ", " : "") + "--" + longOf(names);
        return add(names, valueName, usage, true, false, v -> {
            try {
                set.accept(Long.decode(v.strip()));
            } catch (NumberFormatException e) {
                throw new UsageException(125, "invalid argument \"" + v + "\" for \"" + display + "\" flag: strconv.ParseInt: parsing "
                        + goQuote(v) + ": invalid syntax");
            }
        });
    }

    /** A Go time.Duration flag ("300ms", "1m30s"), given to {@code set} in nanoseconds. */
    public FlagSet duration(String names, String usage, Consumer<Long> set) {
        String display = (shortOf(names) != 0 ? "-" + shortOf(names) + ", " : "") + "--" + longOf(names);
        return add(names, "duration", usage, true, false, v -> {
            try {
                set.accept(dev.berth.dockerfile.GoDuration.parse(v));
            } catch (IllegalArgumentException e) {
                throw new UsageException(125, "invalid argument \"" + v + "\" for \"" + display + "\" flag: " + e.getMessage());
            }
        });
    }

    public FlagSet decimal(String names, String valueName, String usage, Consumer<Double> set) {
        String display = (shortOf(names) != 0 ? "-" + shortOf(names) + ", " : "") + "--" + longOf(names);
        return add(names, valueName, usage, true, false, v -> {
            try {
                set.accept(Double.parseDouble(v.strip()));
            } catch (NumberFormatException e) {
                throw new UsageException(125, "invalid argument \"" + v + "\" for \"" + display + "\" flag: failed to parse "
                        + v + " as a rational number");
            }
        });
    }

    /** A flag accepted but not listed in help. */
    public FlagSet hiddenString(String names, Consumer<String> set) {
        return add(names, "string", "", true, true, set);
    }

    /** Leaves the flag declared last out of help (docker's deprecated spellings). */
    public FlagSet hideLast() {
        Flag f = flags.removeLast();
        flags.add(new Flag(f.shortName(), f.longName(), f.valueName(), f.usage(), f.takesValue(), true, f.setter()));
        return this;
    }

    private static String goQuote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static boolean parseBool(String v, String display) {
        if (v == null) {
            return true;
        }
        return switch (v) {
            case "1", "t", "T", "true", "TRUE", "True" -> true;
            case "0", "f", "F", "false", "FALSE", "False" -> false;
            default -> throw new UsageException(125, "invalid argument \"" + v + "\" for \"" + display + "\" flag: strconv.ParseBool: parsing "
                    + goQuote(v) + ": invalid syntax");
        };
    }

    private Flag byLong(String name) {
        for (Flag f : flags) {
            if (f.longName().equals(name)) {
                return f;
            }
        }
        return null;
    }

    private Flag byShort(char c) {
        for (Flag f : flags) {
            if (f.shortName() == c) {
                return f;
            }
        }
        return null;
    }

    /** Adds cobra's help flag: {@code -h, --help}, or only {@code --help} when -h means something else. */
    public void addHelp() {
        add(byShort('h') == null ? "h,help" : "help", null, "Print usage", false, true, v -> help = parseBool(v, "--help"));
    }

    /**
     * Parses {@code args} from {@code start}; returns the positional arguments. With
     * {@code interspersed} false, everything from the first positional on is positional.
     */
    public List<String> parse(List<String> args, int start, boolean interspersed) {
        List<String> positional = new ArrayList<>();
        for (int i = start; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--")) {
                positional.addAll(args.subList(i + 1, args.size()));
                break;
            }
            if (a.startsWith("--")) {
                int eq = a.indexOf('=');
                String name = eq < 0 ? a.substring(2) : a.substring(2, eq);
                Flag f = byLong(name);
                if (f == null) {
                    throw new UsageException(125, "unknown flag: --" + name);
                }
                if (!f.takesValue()) {
                    f.setter().accept(eq < 0 ? null : a.substring(eq + 1));
                } else if (eq >= 0) {
                    f.setter().accept(a.substring(eq + 1));
                } else if (i + 1 < args.size()) {
                    f.setter().accept(args.get(++i));
                } else {
                    throw new UsageException(125, "flag needs an argument: --" + name);
                }
            } else if (a.startsWith("-") && a.length() > 1) {
                for (int j = 1; j < a.length(); j++) {
                    char c = a.charAt(j);
                    Flag f = byShort(c);
                    if (f == null) {
                        throw new UsageException(125, "unknown shorthand flag: '" + c + "' in " + a);
                    }
                    if (!f.takesValue()) {
                        if (j + 1 < a.length() && a.charAt(j + 1) == '=') {
                            f.setter().accept(a.substring(j + 2));
                            break;
                        }
                        f.setter().accept(null);
                        continue;
                    }
                    String rest = a.substring(j + 1);
                    if (rest.startsWith("=")) {
                        rest = rest.substring(1);
                    }
                    if (!rest.isEmpty() || j + 1 < a.length()) {
                        f.setter().accept(rest);
                    } else if (i + 1 < args.size()) {
                        f.setter().accept(args.get(++i));
                    } else {
                        throw new UsageException(125, "flag needs an argument: '" + c + "' in " + a);
                    }
                    break;
                }
            } else {
                positional.add(a);
                if (!interspersed) {
                    positional.addAll(args.subList(i + 1, args.size()));
                    break;
                }
            }
        }
        return positional;
    }
}
