package dev.berth.cli.run;

import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

/** The flags {@code create} and {@code run} share, named as docker names them. */
public final class ContainerOptions {
    @Option(names = {"-a", "--attach"}, paramLabel = "list", description = "Attach to STDIN, STDOUT or STDERR")
    public List<String> attach = new ArrayList<>();

    @Option(names = "--add-host", paramLabel = "list", description = "Add a custom host-to-IP mapping (host:ip)")
    public List<String> addHost = new ArrayList<>();

    @Option(names = "--cap-add", paramLabel = "list", description = "Add Linux capabilities")
    public List<String> capAdd = new ArrayList<>();

    @Option(names = "--cap-drop", paramLabel = "list", description = "Drop Linux capabilities")
    public List<String> capDrop = new ArrayList<>();

    @Option(names = "--cgroup-parent", paramLabel = "string", description = "Optional parent cgroup for the container")
    public String cgroupParent = "";

    @Option(names = {"-c", "--cpu-shares"}, paramLabel = "int", description = "CPU shares (relative weight)")
    public long cpuShares;

    @Option(names = "--cpus", paramLabel = "decimal", description = "Number of CPUs")
    public double cpus;

    @Option(names = "--cpuset-cpus", paramLabel = "string", description = "CPUs in which to allow execution (0-3, 0,1)")
    public String cpusetCpus = "";

    @Option(names = "--cpuset-mems", paramLabel = "string", description = "MEMs in which to allow execution (0-3, 0,1)")
    public String cpusetMems = "";

    @Option(names = "--dns", paramLabel = "list", description = "Set custom DNS servers")
    public List<String> dns = new ArrayList<>();

    @Option(names = "--dns-option", paramLabel = "list", description = "Set DNS options")
    public List<String> dnsOptions = new ArrayList<>();

    @Option(names = "--dns-search", paramLabel = "list", description = "Set custom DNS search domains")
    public List<String> dnsSearch = new ArrayList<>();

    @Option(names = "--entrypoint", paramLabel = "string", description = "Overwrite the default ENTRYPOINT of the image")
    public String entrypoint;

    @Option(names = {"-e", "--env"}, paramLabel = "list", description = "Set environment variables")
    public List<String> env = new ArrayList<>();

    @Option(names = "--env-file", paramLabel = "list", description = "Read in a file of environment variables")
    public List<String> envFile = new ArrayList<>();

    @Option(names = "--expose", paramLabel = "list", description = "Expose a port or a range of ports")
    public List<String> expose = new ArrayList<>();

    @Option(names = "--group-add", paramLabel = "list", description = "Add additional groups to join")
    public List<String> groupAdd = new ArrayList<>();

    @Option(names = {"-h", "--hostname"}, paramLabel = "string", description = "Container host name")
    public String hostname = "";

    @Option(names = "--init", description = "Run an init inside the container that forwards signals and reaps processes")
    public boolean init;

    @Option(names = {"-i", "--interactive"}, description = "Keep STDIN open even if not attached")
    public boolean interactive;

    @Option(names = "--ipc", paramLabel = "string", description = "IPC mode to use")
    public String ipc = "";

    @Option(names = {"-l", "--label"}, paramLabel = "list", description = "Set meta data on a container")
    public List<String> labels = new ArrayList<>();

    @Option(names = "--label-file", paramLabel = "list", description = "Read in a line delimited file of labels")
    public List<String> labelFiles = new ArrayList<>();

    @Option(names = "--log-driver", paramLabel = "string", description = "Logging driver for the container")
    public String logDriver = "";

    @Option(names = "--log-opt", paramLabel = "list", description = "Log driver options")
    public List<String> logOpts = new ArrayList<>();

    @Option(names = {"-m", "--memory"}, paramLabel = "bytes", description = "Memory limit")
    public String memory;

    @Option(names = "--memory-reservation", paramLabel = "bytes", description = "Memory soft limit")
    public String memoryReservation;

    @Option(names = "--memory-swap", paramLabel = "bytes", description = "Swap limit equal to memory plus swap: '-1' to enable unlimited swap")
    public String memorySwap;

    @Option(names = "--name", paramLabel = "string", description = "Assign a name to the container")
    public String name;

    @Option(names = {"--network", "--net"}, paramLabel = "network", description = "Connect a container to a network")
    public String network;

    @Option(names = "--oom-kill-disable", description = "Disable OOM Killer")
    public boolean oomKillDisable;

    @Option(names = "--oom-score-adj", paramLabel = "int", description = "Tune host's OOM preferences (-1000 to 1000)")
    public int oomScoreAdj;

    @Option(names = "--pid", paramLabel = "string", description = "PID namespace to use")
    public String pid = "";

    @Option(names = "--pids-limit", paramLabel = "int", description = "Tune container pids limit (set -1 for unlimited)")
    public long pidsLimit;

    @Option(names = "--platform", paramLabel = "string", description = "Set platform if server is multi-platform capable")
    public String platform;

    @Option(names = "--privileged", description = "Give extended privileges to this container")
    public boolean privileged;

    @Option(names = {"-p", "--publish"}, paramLabel = "list", description = "Publish a container's port(s) to the host")
    public List<String> publish = new ArrayList<>();

    @Option(names = {"-P", "--publish-all"}, description = "Publish all exposed ports to random ports")
    public boolean publishAll;

    @Option(names = "--pull", paramLabel = "string", description = "Pull image before running (\"always\", \"missing\", \"never\") (default \"missing\")")
    public String pull = "missing";

    @Option(names = {"-q", "--quiet"}, description = "Suppress the pull output")
    public boolean quiet;

    @Option(names = "--read-only", description = "Mount the container's root filesystem as read only")
    public boolean readOnly;

    @Option(names = "--restart", paramLabel = "string", description = "Restart policy to apply when a container exits (default \"no\")")
    public String restart = "no";

    @Option(names = "--rm", description = "Automatically remove the container and its associated anonymous volumes when it exits")
    public boolean rm;

    @Option(names = "--security-opt", paramLabel = "list", description = "Security Options")
    public List<String> securityOpt = new ArrayList<>();

    @Option(names = "--shm-size", paramLabel = "bytes", description = "Size of /dev/shm")
    public String shmSize;

    @Option(names = "--stop-signal", paramLabel = "string", description = "Signal to stop the container")
    public String stopSignal;

    @Option(names = "--stop-timeout", paramLabel = "int", description = "Timeout (in seconds) to stop a container")
    public Integer stopTimeout;

    @Option(names = "--sysctl", paramLabel = "map", description = "Sysctl options")
    public List<String> sysctls = new ArrayList<>();

    @Option(names = "--tmpfs", paramLabel = "list", description = "Mount a tmpfs directory")
    public List<String> tmpfs = new ArrayList<>();

    @Option(names = {"-t", "--tty"}, description = "Allocate a pseudo-TTY")
    public boolean tty;

    @Option(names = "--ulimit", paramLabel = "ulimit", description = "Ulimit options")
    public List<String> ulimits = new ArrayList<>();

    @Option(names = {"-u", "--user"}, paramLabel = "string", description = "Username or UID (format: <name|uid>[:<group|gid>])")
    public String user = "";

    @Option(names = "--userns", paramLabel = "string", description = "User namespace to use")
    public String userns = "";

    @Option(names = "--uts", paramLabel = "string", description = "UTS namespace to use")
    public String uts = "";

    @Option(names = {"-v", "--volume"}, paramLabel = "list", description = "Bind mount a volume")
    public List<String> volumes = new ArrayList<>();

    @Option(names = "--volumes-from", paramLabel = "list", description = "Mount volumes from the specified container(s)")
    public List<String> volumesFrom = new ArrayList<>();

    @Option(names = {"-w", "--workdir"}, paramLabel = "string", description = "Working directory inside the container")
    public String workdir = "";
}
