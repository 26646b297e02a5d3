package dev.berth.daemon.containers;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * One container as stored: identity, what it runs, its settings as the client sent them (plus
 * image defaults), and its state. Immutable; every change stores a new record.
 *
 * @param name       with Docker's leading slash
 * @param image      the image ID ({@code sha256:...})
 * @param imageRef   the image as the client named it
 * @param hostConfig the HostConfig as sent, with daemon defaults filled in
 * @param manuallyStopped stopped or killed by a client: restart policies leave it alone
 * @param layers     the image's layer directories, bottom first, as resolved at create: the
 *                   container keeps working if its image is force-deleted
 */
public record ContainerRecord(
        String id,
        String name,
        String created,
        String path,
        List<String> args,
        ContainerConfigSpec config,
        ObjectNode hostConfig,
        String image,
        String imageRef,
        ContainerState state,
        int restartCount,
        List<String> layers,
        boolean manuallyStopped) {

    public ContainerRecord withState(ContainerState s) {
        return new ContainerRecord(id, name, created, path, args, config, hostConfig, image, imageRef, s, restartCount, layers, manuallyStopped);
    }

    public ContainerRecord withName(String n) {
        return new ContainerRecord(id, n, created, path, args, config, hostConfig, image, imageRef, state, restartCount, layers, manuallyStopped);
    }

    public ContainerRecord withManuallyStopped(boolean m) {
        return new ContainerRecord(id, name, created, path, args, config, hostConfig, image, imageRef, state, restartCount, layers, m);
    }

    public ContainerRecord withHostConfig(ObjectNode h) {
        return new ContainerRecord(id, name, created, path, args, config, h, image, imageRef, state, restartCount, layers, manuallyStopped);
    }

    public ContainerRecord withRestartCount(int n) {
        return new ContainerRecord(id, name, created, path, args, config, hostConfig, image, imageRef, state, n, layers, manuallyStopped);
    }
}
