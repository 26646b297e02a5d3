package dev.berth.daemon.system;

/** How many containers (by state) and images the engine holds, for /info. */
public record EngineCounts(int running, int paused, int stopped, int images) {
    public int containers() {
        return running + paused + stopped;
    }
}
