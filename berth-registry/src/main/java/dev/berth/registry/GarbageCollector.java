package dev.berth.registry;

import java.io.IOException;
import java.nio.file.Path;

/** Garbage collection of unreferenced blobs (being built). */
final class GarbageCollector {
    private GarbageCollector() {}

    /** Brings back blobs a collector that died mid-sweep had set aside. */
    static void recover(Path root) throws IOException {
    }
}
