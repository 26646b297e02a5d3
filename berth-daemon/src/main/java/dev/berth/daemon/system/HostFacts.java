package dev.berth.daemon.system;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Facts about the host read once from /proc and /sys: kernel, OS, memory, cgroup version. */
public record HostFacts(String kernelVersion, String operatingSystem, String osVersion, long memTotal,
                        int cpus, int cgroupVersion, String hostname, String architecture) {

    public static HostFacts read() {
        String kernel = readFirstLine(Path.of("/proc/sys/kernel/osrelease"), "unknown");
        String os = "Linux";
        String osVersion = "";
        try {
            for (String line : Files.readAllLines(Path.of("/etc/os-release"))) {
                if (line.startsWith("PRETTY_NAME=")) {
                    os = unquote(line.substring(12));
                } else if (line.startsWith("VERSION_ID=")) {
                    osVersion = unquote(line.substring(11));
                }
            }
        } catch (IOException ignored) {
            // a host without os-release is still a Linux host
        }
        long mem = 0;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    mem = Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                    break;
                }
            }
        } catch (IOException ignored) {
            // reported as 0
        }
        int cgroup = Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers")) ? 2 : 1;
        String host = readFirstLine(Path.of("/proc/sys/kernel/hostname"), "localhost");
        String arch = switch (System.getProperty("os.arch")) {
            case "amd64" -> "x86_64";
            case "aarch64" -> "aarch64";
            default -> System.getProperty("os.arch");
        };
        return new HostFacts(kernel, os, osVersion, mem, Runtime.getRuntime().availableProcessors(), cgroup, host, arch);
    }

    /** The OCI/Go architecture name (amd64, arm64) used in image configs. */
    public String goArch() {
        return switch (architecture) {
            case "x86_64" -> "amd64";
            case "aarch64" -> "arm64";
            default -> architecture;
        };
    }

    private static String readFirstLine(Path p, String fallback) {
        try {
            return Files.readString(p).trim();
        } catch (IOException e) {
            return fallback;
        }
    }

    private static String unquote(String s) {
        return s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"") ? s.substring(1, s.length() - 1) : s;
    }
}
