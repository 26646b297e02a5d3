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
 * <p>Not yet supported, and refused with 400 rather than ignored: bind mounts and volumes, port
 * publishing, device mappings. Networks other than {@code host} and {@code none} get a private
 * namespace with loopback only.
 */
package dev.berth.daemon.containers;
