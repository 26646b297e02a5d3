package dev.berth.tests;

/** What a command run by a test printed and how it exited. */
public record CommandResult(int exitCode, String stdout, String stderr) {
    public String out() {
        return stdout.strip();
    }

    @Override
    public String toString() {
        return "exit " + exitCode + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
    }

    /** This result, after checking the command succeeded (the failure message shows its output). */
    public CommandResult ok() {
        if (exitCode != 0) {
            throw new AssertionError("command failed: " + this);
        }
        return this;
    }
}
