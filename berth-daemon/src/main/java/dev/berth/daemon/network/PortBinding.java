package dev.berth.daemon.network;

/**
 * One published port: {@code hostIp:hostPort -> containerPort/proto}.
 *
 * @param hostIp  the host address listened on; {@code 0.0.0.0} for all
 */
public record PortBinding(String proto, int containerPort, String hostIp, int hostPort) {

    /** Docker's key in {@code NetworkSettings.Ports}: {@code 80/tcp}. */
    public String key() {
        return containerPort + "/" + proto;
    }

    public boolean allAddresses() {
        return hostIp == null || hostIp.isEmpty() || hostIp.equals("0.0.0.0");
    }
}
