package dev.berth.registry;

import dev.berth.oci.Digest;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/** {@code berth-registry gc}: deletes unreferenced blobs; safe to run while the registry serves. */
@Command(name = "gc", mixinStandardHelpOptions = true,
        description = "Delete blobs that no manifest references (online: the registry may keep serving).")
final class GcCommand implements Callable<Integer> {
    @Option(names = "--root", description = "Storage root directory.")
    Path root;

    @Option(names = "--config", description = "Take the root from this registry.yaml.")
    Path config;

    @Option(names = "--dry-run", description = "List what would be deleted; delete nothing.")
    boolean dryRun;

    @Option(names = "--grace", converter = RegistryMain.DurationConverter.class,
            description = "Keep blobs used within this time (a push in progress must finish within it; default 1h).")
    Duration grace = GarbageCollector.DEFAULT_GRACE;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (root == null && config == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--root or --config is required");
        }
        Path r = root != null ? root : RegistryConfigFile.load(config).root();
        GarbageCollector.Result result = new GarbageCollector(r.toAbsolutePath(), grace).run(dryRun);
        PrintWriter out = spec.commandLine().getOut();
        for (Digest d : result.deleted()) {
            out.println((dryRun ? "would delete " : "deleted ") + d);
        }
        out.printf("%d blobs referenced, %d %s (%d bytes)%s%n", result.marked(), result.deleted().size(),
                dryRun ? "unreferenced" : "deleted", result.bytes(),
                result.putBack().isEmpty() ? "" : ", " + result.putBack().size() + " kept because a push used them");
        out.flush();
        return 0;
    }
}
