package dev.berth.cli.tar;

/** A change of entry names on the way into or out of an archive (applied to hardlink targets too). */
@FunctionalInterface
public interface Rename {
    Rename NONE = name -> name;

    String apply(String name);

    /**
     * archive.RebaseArchiveEntries: the first occurrence of {@code from} becomes {@code to}, exactly
     * as Docker's strings.Replace does it; "/" as {@code from} means the empty string, so the new
     * base is put in front.
     */
    static Rename replaceFirst(String from, String to) {
        String f = from.equals("/") ? "" : from;
        return name -> {
            int i = name.indexOf(f);
            return i < 0 ? name : name.substring(0, i) + to + name.substring(i + f.length());
        };
    }

    default Rename andThen(Rename next) {
        return name -> next.apply(apply(name));
    }

    default TarHeader apply(TarHeader h) {
        TarHeader r = h.withName(apply(h.name()));
        return h.type() == TarHeader.HARDLINK ? r.withLinkName(apply(h.linkName())) : r;
    }
}
