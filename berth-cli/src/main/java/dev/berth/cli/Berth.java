package dev.berth.cli;

/** berth's entry point (the CLI arrives with its own change). */
public final class Berth {
    private Berth() {}

    public static void main(String[] args) {
        System.err.println("berth: not built yet");
        System.exit(1);
    }
}
