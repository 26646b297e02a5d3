package dev.berth.daemon.containers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.daemon.api.ApiException;
import dev.berth.daemon.runtime.ConmonRuntime;

import java.io.IOException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code docker update}: new resource limits and restart policy for a container. Only the fields
 * the client set (non-zero) change; the new HostConfig is validated as at create, applied to a
 * running container's cgroups with {@code runc update}, then stored, so it also holds at the next start.
 */
final class UpdateService {
    private static final List<String> NUMBERS = List.of("Memory", "MemorySwap", "MemoryReservation", "NanoCpus", "CpuShares",
            "CpuPeriod", "CpuQuota", "PidsLimit", "BlkioWeight");
    private static final List<String> STRINGS = List.of("CpusetCpus", "CpusetMems");

    private final ContainerService containers;

    UpdateService(ContainerService containers) {
        this.containers = containers;
    }

    /** Applies {@code body} (Docker's UpdateConfig); returns the warnings. */
    List<String> update(String ref, JsonNode body) throws IOException, InterruptedException, SQLException {
        ContainerService.Ctr c = containers.get(ref);
        c.lock.lock();
        try {
            ContainerRecord r = c.rec;
            ObjectNode h = r.hostConfig().deepCopy();
            for (String f : NUMBERS) {
                if (body.path(f).isNumber() && body.path(f).asLong() != 0) {
                    h.put(f, body.path(f).asLong());
                }
            }
            for (String f : STRINGS) {
                if (body.path(f).isTextual() && !body.path(f).asText().isEmpty()) {
                    h.put(f, body.path(f).asText());
                }
            }
            long memory = body.path("Memory").asLong(0);
            if (memory > 0 && body.path("MemorySwap").asLong(0) == 0) {
                long swap = r.hostConfig().path("MemorySwap").asLong(0);
                if (swap > 0 && memory > swap) {
                    throw ApiException.badRequest("Memory limit should be smaller than already set memoryswap limit, "
                            + "update the memoryswap at the same time");
                }
            }
            JsonNode rp = body.path("RestartPolicy");
            if (rp.path("Name").isTextual() && !rp.path("Name").asText().isEmpty()) {
                if (h.path("AutoRemove").asBoolean(false)) {
                    throw ApiException.badRequest("Restart policy cannot be updated because AutoRemove is enabled for the container");
                }
                ObjectNode p = h.putObject("RestartPolicy");
                p.put("Name", rp.path("Name").asText());
                p.put("MaximumRetryCount", rp.path("MaximumRetryCount").asInt(0));
            }
            HostSettings hs = containers.hostConfigs().read(h);
            List<String> warnings = containers.hostConfigs().validate(hs);
            if (r.state().isActive()) {
                List<String> flags = flags(body, hs, containers.swapAccounting());
                if (!flags.isEmpty()) {
                    try {
                        containers.runtime().update(r.id(), flags);
                    } catch (ConmonRuntime.RuntimeError e) {
                        throw new ApiException(500, "Cannot update container " + r.id() + ": " + e.getMessage());
                    }
                }
            }
            containers.replaceHostConfig(c, h);
            return warnings;
        } finally {
            c.lock.unlock();
        }
    }

    /** runc's flags for the resources the client changed. */
    private static List<String> flags(JsonNode body, HostSettings hs, boolean swapAccounting) {
        List<String> f = new ArrayList<>();
        if (body.path("Memory").asLong(0) > 0) {
            f.add("--memory=" + hs.memory());
        }
        if (body.path("MemorySwap").asLong(0) != 0 && swapAccounting) {
            f.add("--memory-swap=" + hs.memorySwap());
        }
        if (body.path("MemoryReservation").asLong(0) > 0) {
            f.add("--memory-reservation=" + hs.memoryReservation());
        }
        if (body.path("CpuShares").asLong(0) > 0) {
            f.add("--cpu-share=" + hs.cpuShares());
        }
        if (body.path("NanoCpus").asLong(0) > 0) {
            long period = 100_000;
            f.add("--cpu-period=" + period);
            f.add("--cpu-quota=" + hs.nanoCpus() * period / 1_000_000_000L);
        } else {
            if (body.path("CpuPeriod").asLong(0) > 0) {
                f.add("--cpu-period=" + hs.cpuPeriod());
            }
            if (body.path("CpuQuota").asLong(0) != 0) {
                f.add("--cpu-quota=" + hs.cpuQuota());
            }
        }
        if (body.path("CpusetCpus").asText("").length() > 0) {
            f.add("--cpuset-cpus=" + hs.cpusetCpus());
        }
        if (body.path("CpusetMems").asText("").length() > 0) {
            f.add("--cpuset-mems=" + hs.cpusetMems());
        }
        if (body.path("PidsLimit").asLong(0) != 0) {
            f.add("--pids-limit=" + hs.pidsLimit());
        }
        if (body.path("BlkioWeight").asLong(0) > 0) {
            f.add("--blkio-weight=" + hs.blkioWeight());
        }
        return f;
    }
}
