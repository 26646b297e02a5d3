package dev.berth.daemon.network;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.Map;

/**
 * One container's settings that networking acts on, handed over by the container service at
 * create and start.
 *
 * @param hostConfig   the stored HostConfig (NetworkMode, PortBindings, Dns..., ExtraHosts)
 * @param exposedPorts {@code Config.ExposedPorts} after image defaults ({@code 80/tcp})
 * @param filesDir     where {@code hostname}, {@code hosts} and {@code resolv.conf} are written
 */
public record ContainerNet(String id, String hostname, String domainname, String macAddress, JsonNode hostConfig,
                           Map<String, Object> exposedPorts, Path filesDir) {}
