package dev.berth.daemon.security;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;
import java.util.zip.GZIPInputStream;

/**
 * Which optional system call ABIs the running kernel was built with, as far as a seccomp filter cares.
 * A seccomp architecture the kernel cannot run only costs runc time compiling its part of the filter
 * (about 10 ms per container start and per exec), so a profile's rendered {@code architectures} leave
 * it out.
 *
 * @param x32 the x32 ABI ({@code CONFIG_X86_X32_ABI}): x86-64 system calls numbered from {@code 0x40000000}
 */
public record KernelAbis(boolean x32) {
    private static final Logger LOG = Logger.getLogger(KernelAbis.class.getName());

    /** Every ABI a profile may name: what berthd assumes when it cannot read the kernel's configuration. */
    public static final KernelAbis ALL = new KernelAbis(true);

    static final String X32 = "SCMP_ARCH_X32";
    /** The option under its current name and its older one. */
    private static final List<String> X32_SET = List.of("CONFIG_X86_X32_ABI=y", "CONFIG_X86_X32=y");
    private static final List<String> X32_NOT_SET = List.of("# CONFIG_X86_X32_ABI is not set",
            "# CONFIG_X86_X32 is not set");

    /** This kernel's ABIs, read once: the kernel cannot change while berthd runs. */
    public static KernelAbis host() {
        return Host.ABIS;
    }

    private static final class Host {
        static final KernelAbis ABIS = read(Path.of("/proc/config.gz"),
                Path.of("/boot/config-" + SeccompProfile.hostKernel()));

        static {
            LOG.info(ABIS.x32() ? "seccomp: filtering the x32 ABI too (the kernel has it, or its configuration is unreadable)"
                    : "seccomp: the kernel has no x32 ABI; profiles leave out " + X32);
        }
    }

    /**
     * From the kernel's build configuration: {@code procConfigGz} (gzip, {@code CONFIG_IKCONFIG_PROC}) or else
     * {@code bootConfig} (plain text). An ABI counts as absent only where the configuration says so
     * ({@code # CONFIG_X86_X32_ABI is not set}, or under its older name {@code CONFIG_X86_X32}); when neither file
     * can be read, or the option is not mentioned, it is kept, so a filter never covers less than the kernel runs.
     */
    public static KernelAbis read(Path procConfigGz, Path bootConfig) {
        return parse(procConfigGz, true).or(() -> parse(bootConfig, false)).orElse(ALL);
    }

    private static Optional<KernelAbis> parse(Path file, boolean gzip) {
        try (InputStream raw = Files.newInputStream(file);
             InputStream in = gzip ? new GZIPInputStream(raw) : raw;
             BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            boolean set = false;
            boolean notSet = false;
            String line;
            while ((line = r.readLine()) != null) {
                set |= X32_SET.contains(line);
                notSet |= X32_NOT_SET.contains(line);
            }
            return Optional.of(new KernelAbis(set || !notSet));
        } catch (IOException e) {
            return Optional.empty(); // absent, unreadable or not gzip: the next source, or keep everything
        }
    }

    /** {@code scmpArches} without the architectures whose ABI this kernel lacks. */
    public List<String> runnable(List<String> scmpArches) {
        return x32 ? scmpArches : scmpArches.stream().filter(a -> !a.equals(X32)).toList();
    }
}
