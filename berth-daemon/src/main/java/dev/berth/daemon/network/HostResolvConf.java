package dev.berth.daemon.network;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The host's {@code /etc/resolv.conf}, split into what containers' files are made from. */
record HostResolvConf(List<String> nameservers, List<String> search, List<String> options, List<String> other) {

    static HostResolvConf read() {
        return parse(readOr(Path.of("/etc/resolv.conf"), ""));
    }

    static HostResolvConf parse(String text) {
        List<String> servers = new ArrayList<>();
        List<String> search = new ArrayList<>();
        List<String> options = new ArrayList<>();
        List<String> other = new ArrayList<>();
        for (String line : text.lines().toList()) {
            String t = line.trim();
            if (t.startsWith("nameserver")) {
                servers.add(t.substring("nameserver".length()).trim());
            } else if (t.startsWith("search") || t.startsWith("domain")) {
                search.addAll(List.of(t.replaceFirst("^(search|domain)", "").trim().split("\\s+")));
            } else if (t.startsWith("options")) {
                options.addAll(List.of(t.substring("options".length()).trim().split("\\s+")));
            } else if (!t.isEmpty() && !t.startsWith("#")) {
                other.add(line);
            }
        }
        search.removeIf(String::isBlank);
        options.removeIf(String::isBlank);
        return new HostResolvConf(servers, search, options, other);
    }

    static String readOr(Path p, String fallback) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return fallback;
        }
    }
}
