package dev.berth.cli.commands;

/** Docker image reference normalisation, the little the CLI needs. */
final class References {
    private References() {}

    /** "docker.io/library/busybox" → "busybox"; "docker.io/me/app" → "me/app"; others unchanged. */
    static String familiar(String name) {
        String n = name;
        if (n.startsWith("docker.io/")) {
            n = n.substring("docker.io/".length());
            if (n.startsWith("library/") && n.indexOf('/', 8) < 0) {
                n = n.substring("library/".length());
            }
        }
        return n;
    }

    /** Splits "repo[:tag][@digest]" into the name and the tag (null if none). */
    static String[] nameAndTag(String ref) {
        String r = ref;
        int at = r.indexOf('@');
        if (at >= 0) {
            r = r.substring(0, at);
        }
        int colon = r.lastIndexOf(':');
        if (colon > r.lastIndexOf('/')) {
            return new String[] {r.substring(0, colon), r.substring(colon + 1)};
        }
        return new String[] {r, null};
    }

    /** "busybox" → "docker.io/library/busybox", as reference.ParseNormalizedNamed(...).Name(). */
    static String normalizedName(String name) {
        int slash = name.indexOf('/');
        if (slash < 0) {
            return "docker.io/library/" + name;
        }
        String first = name.substring(0, slash);
        if (first.contains(".") || first.contains(":") || first.equals("localhost")) {
            return name;
        }
        return "docker.io/" + name;
    }

    /** The reference with ":latest" when it has neither tag nor digest (docker's TagNameOnly). */
    static String withDefaultTag(String ref) {
        String[] nt = nameAndTag(ref);
        return nt[1] == null && !ref.contains("@") ? ref + ":latest" : ref;
    }
}
