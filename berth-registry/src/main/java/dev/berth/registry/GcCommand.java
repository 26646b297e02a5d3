package dev.berth.registry;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** {@code berth-registry gc} (being built). */
@Command(name = "gc", mixinStandardHelpOptions = true, description = "Delete blobs no manifest references.")
final class GcCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        return 1;
    }
}
