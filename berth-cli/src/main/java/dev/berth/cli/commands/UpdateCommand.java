package dev.berth.cli.commands;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.cli.Cli;
import dev.berth.cli.ExitException;
import dev.berth.cli.FlagSet;
import dev.berth.cli.client.Json;
import dev.berth.cli.run.CreateRequest;

import java.util.List;

/** berth update: new resource limits or restart policy for containers. */
public final class UpdateCommand extends BaseCommand {
    private String memory;
    private String memorySwap;
    private String memoryReservation;
    private Double cpus;
    private Long cpuShares;
    private Long cpuPeriod;
    private Long cpuQuota;
    private String cpusetCpus;
    private String cpusetMems;
    private Long pidsLimit;
    private Long blkioWeight;
    private String restart;

    public UpdateCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Spec spec() {
        return Spec.of("update", "[OPTIONS] CONTAINER [CONTAINER...]", "Update configuration of one or more containers", 1, -1);
    }

    @Override
    public void define(FlagSet f) {
        f.integer("blkio-weight", "uint16", "Block IO (relative weight), between 10 and 1000, or 0 to disable (default 0)", v -> blkioWeight = v);
        f.integer("cpu-period", "int", "Limit CPU CFS (Completely Fair Scheduler) period", v -> cpuPeriod = v);
        f.integer("cpu-quota", "int", "Limit CPU CFS (Completely Fair Scheduler) quota", v -> cpuQuota = v);
        f.integer("c,cpu-shares", "int", "CPU shares (relative weight)", v -> cpuShares = v);
        f.decimal("cpus", "decimal", "Number of CPUs", v -> cpus = v);
        f.string("cpuset-cpus", "string", "CPUs in which to allow execution (0-3, 0,1)", v -> cpusetCpus = v);
        f.string("cpuset-mems", "string", "MEMs in which to allow execution (0-3, 0,1)", v -> cpusetMems = v);
        f.string("m,memory", "bytes", "Memory limit", v -> memory = v);
        f.string("memory-reservation", "bytes", "Memory soft limit", v -> memoryReservation = v);
        f.string("memory-swap", "bytes", "Swap limit equal to memory plus swap: -1 to enable unlimited swap", v -> memorySwap = v);
        f.integer("pids-limit", "int", "Tune container pids limit (set -1 for unlimited)", v -> pidsLimit = v);
        f.string("restart", "string", "Restart policy to apply when a container exits", v -> restart = v);
    }

    @Override
    public int run(List<String> args) {
        ObjectNode body = Json.object();
        try {
            if (memory != null) {
                body.put("Memory", CreateRequest.bytes(memory, "-m, --memory"));
            }
            if (memorySwap != null) {
                body.put("MemorySwap", memorySwap.equals("-1") ? -1 : CreateRequest.bytes(memorySwap, "--memory-swap"));
            }
            if (memoryReservation != null) {
                body.put("MemoryReservation", CreateRequest.bytes(memoryReservation, "--memory-reservation"));
            }
            if (restart != null) {
                body.set("RestartPolicy", CreateRequest.restartPolicy(restart));
            }
        } catch (CreateRequest.InvalidFlagException e) {
            throw new ExitException(125, e.getMessage());
        }
        if (cpus != null) {
            body.put("NanoCpus", Math.round(cpus * 1e9));
        }
        putIfSet(body, "CpuShares", cpuShares);
        putIfSet(body, "CpuPeriod", cpuPeriod);
        putIfSet(body, "CpuQuota", cpuQuota);
        putIfSet(body, "PidsLimit", pidsLimit);
        putIfSet(body, "BlkioWeight", blkioWeight);
        if (cpusetCpus != null) {
            body.put("CpusetCpus", cpusetCpus);
        }
        if (cpusetMems != null) {
            body.put("CpusetMems", cpusetMems);
        }
        if (body.isEmpty()) {
            throw new ExitException(1, "you must provide one or more flags when using this command");
        }
        return forEach(args, c -> {
            client().postJson("/containers/" + seg(c) + "/update", body);
            cli.out().println(c);
        });
    }

    private static void putIfSet(ObjectNode body, String field, Long value) {
        if (value != null) {
            body.put(field, value);
        }
    }
}
