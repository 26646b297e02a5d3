/**
 * Containers as the Engine API sees them: records, names, the state machine and the
 * /containers endpoints.
 *
 * <p>Attach registers its session before it answers the upgrade, because the docker CLI starts
 * the container as soon as it has the upgraded connection; the session's pumps wait for the
 * connection while conmon's socket buffers the output. Containers whose image is force-deleted
 * keep working: each record carries its layer directories, and the image store holds those
 * layers until the container is removed.
 *
 * <p>Mounts, networks and security settings are asked of their own packages (volumes, network,
 * security) through narrow hooks, so this package keeps only what a container's lifecycle needs.
 */
package dev.berth.daemon.containers;
