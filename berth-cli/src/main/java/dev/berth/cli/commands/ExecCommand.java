package dev.berth.cli.commands;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.cli.Cli;
import dev.berth.cli.ExitException;
import dev.berth.cli.FlagSet;
import dev.berth.cli.client.Json;
import dev.berth.cli.run.AttachSession;
import dev.berth.cli.run.ContainerOptions;
import dev.berth.cli.run.CreateRequest;
import dev.berth.cli.run.TtyControl;

import java.util.ArrayList;
import java.util.List;

/** berth exec: runs a command in a running container and exits with its status. */
public final class ExecCommand extends BaseCommand {
    private boolean interactive;
    private boolean tty;
    private boolean detach;
    private boolean privileged;
    private String user;
    private String workdir;
    private String detachKeys;
    private final List<String> env = new ArrayList<>();
    private final List<String> envFile = new ArrayList<>();

    public ExecCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Spec spec() {
        return new Spec("exec", "[OPTIONS] CONTAINER COMMAND [ARG...]", "Execute a command in a running container", 2, -1, false);
    }

    @Override
    public void define(FlagSet f) {
        f.bool("d,detach", "Detached mode: run command in the background", v -> detach = v);
        f.string("detach-keys", "string", "Override the key sequence for detaching a container", v -> detachKeys = v);
        f.list("e,env", "list", "Set environment variables", env);
        f.list("env-file", "list", "Read in a file of environment variables", envFile);
        f.bool("i,interactive", "Keep STDIN open even if not attached", v -> interactive = v);
        f.bool("privileged", "Give extended privileges to the command", v -> privileged = v);
        f.bool("t,tty", "Allocate a pseudo-TTY", v -> tty = v);
        f.string("u,user", "string", "Username or UID (format: \"<name|uid>[:<group|gid>]\")", v -> user = v);
        f.string("w,workdir", "string", "Working directory inside the container", v -> workdir = v);
    }

    @Override
    public int run(List<String> args) throws Exception {
        String container = args.getFirst();
        if (tty && interactive && !detach && !TtyControl.stdinIsTerminal()) {
            throw new ExitException(1, "the input device is not a TTY");
        }
        ContainerOptions o = new ContainerOptions();
        o.env.addAll(env);
        o.envFile.addAll(envFile);
        List<String> environment;
        try {
            environment = CreateRequest.environment(o, System::getenv);
        } catch (CreateRequest.InvalidFlagException e) {
            throw new ExitException(125, e.getMessage());
        }
        ObjectNode cfg = Json.object();
        cfg.put("User", user == null ? "" : user);
        cfg.put("Privileged", privileged);
        cfg.put("Tty", tty);
        int[] size = tty ? TtyControl.size() : null;
        if (size != null) {
            cfg.putArray("ConsoleSize").add(size[0]).add(size[1]);
        }
        cfg.put("AttachStdin", interactive && !detach);
        cfg.put("AttachStderr", !detach);
        cfg.put("AttachStdout", !detach);
        cfg.put("DetachKeys", detachKeys == null ? "" : detachKeys);
        ArrayNode envNode = cfg.putArray("Env");
        environment.forEach(envNode::add);
        cfg.put("WorkingDir", workdir == null ? "" : workdir);
        ArrayNode cmd = cfg.putArray("Cmd");
        args.subList(1, args.size()).forEach(cmd::add);
        String id = client().postJson("/containers/" + seg(container) + "/exec", cfg).path("Id").asText();

        ObjectNode start = Json.object();
        start.put("Detach", detach);
        start.put("Tty", tty);
        if (size != null) {
            start.putArray("ConsoleSize").add(size[0]).add(size[1]);
        }
        if (detach) {
            try (var r = client().call("POST", "/exec/" + id + "/start", start)) {
                return 0;
            }
        }
        try (AttachSession session = AttachSession.exec(client(), id, start, interactive);
             TtyControl control = tty ? TtyControl.enter(interactive) : null) {
            if (control != null) {
                control.monitorSize(client(), "/exec/" + id + "/resize");
            }
            session.pumpStdin(cli.in());
            session.copyOutput(tty, cli.out(), cli.err());
        }
        return client().getJson("/exec/" + id + "/json").path("ExitCode").asInt();
    }
}
