package dev.berth.cli.template;

import java.util.Set;

/**
 * How docker inspect -f prints a JSON null field: docker renders its typed Go structs first, where null was a nil
 * slice ({@code []}), a nil map ({@code map[]}) or a nil pointer ({@code <nil>}). The field names come from the
 * Engine API v1.50 definitions (array- and map-typed properties); for names used with both kinds, the kind found in
 * inspect output wins (Labels, Options, Volumes, Ports, Networks are maps there).
 */
public final class DockerNulls {
    private static final Set<String> SLICES = Set.of(
            "AccessibleTopology", "Addresses", "Aliases", "Args", "AssignedGenericResources", "Authorization", "Binds",
            "BlkioDeviceReadBps", "BlkioDeviceReadIOps", "BlkioDeviceWriteBps", "BlkioDeviceWriteIOps",
            "BlkioWeightDevice", "BuildCache", "CDISpecDirs", "CachesDeleted", "CapAdd", "CapDrop", "Capabilities",
            "CapabilityAdd", "CapabilityDrop", "Cmd", "Command", "Components", "Configs", "ConsoleSize", "Constraints",
            "ContainersDeleted", "DNSNames", "DefaultAddrPool", "DefaultAddressPools", "DeviceCgroupRules",
            "DeviceIDs", "DeviceRequests", "Devices", "DiscoveredDevices", "Dns", "DnsOptions", "DnsSearch",
            "DriverStatus", "Entrypoint", "Env", "ExecIDs", "ExternalCAs", "ExtraHosts", "GenericResources",
            "GroupAdd", "Groups", "Hosts", "ImagesDeleted", "InsecureRegistryCIDRs", "Layers", "LinkLocalIPs",
            "Links", "Log", "Manifests", "MaskedPaths", "Mirrors", "Mounts", "Names", "Nameservers",
            "NetworksAttachments", "NetworksDeleted", "OnBuild", "Parents", "Peers", "Platforms", "PluginPrivilege",
            "Preferences", "Preferred", "Processes", "PublishStatus", "ReadonlyPaths", "RemoteAddrs",
            "RemoteManagers", "RepoDigests", "RepoTags", "Requisite", "Search", "SecondaryIPAddresses",
            "SecondaryIPv6Addresses", "Secrets", "SecurityOpt", "SecurityOptions", "Settable", "Shell", "Tags",
            "Test", "Titles", "Types", "Ulimits", "VirtualIPs", "Volume", "VolumesDeleted", "VolumesFrom",
            "Warnings", "arguments", "diff_ids", "io_merged_recursive", "io_queue_recursive",
            "io_service_bytes_recursive", "io_service_time_recursive", "io_serviced_recursive", "io_time_recursive",
            "io_wait_time_recursive", "os.features", "percpu_usage", "runtimeArgs", "sectors_recursive", "urls");

    private static final Set<String> MAPS = Set.of(
            "Annotations", "Attributes", "AuxiliaryAddresses", "Config", "Data", "DriverOpts", "EndpointsConfig",
            "ExposedPorts", "IndexConfigs", "Labels", "Networks", "Options", "PortBindings", "Ports",
            "PublishContext", "Runtimes", "Segments", "StorageOpt", "Sysctls", "Tmpfs", "VolumeContext", "Volumes",
            "annotations", "stats", "status");

    private DockerNulls() {}

    /** "[]", "map[]" or "<nil>" for a null read from field {@code name}. */
    public static String render(String name) {
        if (SLICES.contains(name)) {
            return "[]";
        }
        return MAPS.contains(name) ? "map[]" : "<nil>";
    }
}
