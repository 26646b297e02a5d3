package dev.berth.daemon.containers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.daemon.api.ApiException;
import dev.berth.daemon.api.Exchange;
import dev.berth.daemon.api.Router;
import io.netty.buffer.Unpooled;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** {@code docker exec}: create, start (hijacked, multiplexed), inspect. Without a TTY for now. */
public final class ExecRoutes {
    private final ContainerService service;

    public ExecRoutes(ContainerService service) {
        this.service = service;
    }

    public void register(Router r) {
        r.post("/containers/{id}/exec", ex -> {
            ContainerService.ExecConfig cfg = ex.bodyJson(ContainerService.ExecConfig.class);
            String id = service.createExec(ex.pathVar("id"), cfg);
            ex.respondJson(201, Map.of("Id", id));
        });
        r.post("/exec/{id}/start", this::start);
        r.post("/exec/{id}/resize", ex -> {
            service.exec(ex.pathVar("id"));
            ex.respondEmpty(200);
        });
        r.get("/exec/{id}/json", ex -> ex.respondJson(200, inspect(service.exec(ex.pathVar("id")))));
    }

    private static Map<String, Object> inspect(ContainerService.Exec e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("CanRemove", false);
        m.put("ContainerID", e.containerId);
        m.put("DetachKeys", e.config.detachKeys() == null ? "" : e.config.detachKeys());
        m.put("ExitCode", e.exitCode);
        m.put("ID", e.id);
        m.put("OpenStderr", e.config.attachStderr());
        m.put("OpenStdin", e.config.attachStdin());
        m.put("OpenStdout", e.config.attachStdout());
        Map<String, Object> pc = new LinkedHashMap<>();
        pc.put("arguments", e.config.cmd().subList(1, e.config.cmd().size()));
        pc.put("entrypoint", e.config.cmd().getFirst());
        pc.put("privileged", e.config.privileged());
        pc.put("tty", e.config.tty());
        pc.put("user", e.config.user() == null ? "" : e.config.user());
        m.put("ProcessConfig", pc);
        m.put("Running", e.running);
        m.put("Pid", e.pid);
        return m;
    }

    private void start(Exchange ex) throws Exception {
        ContainerService.Exec e = service.exec(ex.pathVar("id"));
        byte[] body = ex.body();
        JsonNode n = body.length == 0 ? null : ex.json().readTree(body);
        boolean detach = n != null && n.path("Detach").asBoolean(false);
        if (n != null && n.path("Tty").asBoolean(false)) {
            throw ApiException.badRequest("exec with a TTY (-t) is not supported by this berthd yet");
        }
        Process p = service.startExec(e);
        if (detach) {
            p.getOutputStream().close();
            Thread.ofPlatform().daemon().start(() -> discard(p.getInputStream()));
            Thread.ofPlatform().daemon().start(() -> discard(p.getErrorStream()));
            ex.respondEmpty(200);
            return;
        }
        Exchange.Hijacked conn = ex.hijack(StreamFrames.MULTIPLEXED);
        if (e.config.attachStdin()) {
            Thread.ofVirtual().start(() -> {
                try (OutputStream in = p.getOutputStream()) {
                    conn.in().transferTo(in);
                } catch (IOException ignored) {
                    // the process or the client went away
                }
            });
        } else {
            p.getOutputStream().close();
        }
        Thread out = Thread.ofPlatform().daemon().start(() -> pump(p.getInputStream(), conn, 1, e.config.attachStdout()));
        Thread err = Thread.ofPlatform().daemon().start(() -> pump(p.getErrorStream(), conn, 2, e.config.attachStderr()));
        out.join();
        err.join();
        int code = e.done.get(30, TimeUnit.SECONDS);
        String failure = code == 255 ? dev.berth.daemon.runtime.ConmonRuntime.execError(e.log) : null;
        if (failure != null) {
            // runc could not start the process: Docker's message on stderr and Docker's exit codes
            byte[] msg = (failure + "\r\n").getBytes(StandardCharsets.UTF_8);
            try {
                StreamFrames.write(conn.out(), false, 2, msg, 0, msg.length);
            } catch (IOException ignored) {
                // client gone
            }
            e.exitCode = failure.contains("executable file not found") || failure.contains("no such file or directory") ? 127
                    : failure.contains("permission denied") ? 126 : 126;
        }
        if (e.log != null) {
            java.nio.file.Files.deleteIfExists(e.log);
        }
        conn.channel().writeAndFlush(Unpooled.EMPTY_BUFFER).await(10, TimeUnit.SECONDS);
        conn.close();
    }

    private static void pump(InputStream from, Exchange.Hijacked conn, int stream, boolean forward) {
        byte[] buf = new byte[8192];
        try {
            int n;
            while ((n = from.read(buf)) > 0) {
                if (forward) {
                    StreamFrames.write(conn.out(), false, stream, buf, 0, n);
                }
            }
        } catch (IOException ignored) {
            // the client went away; the process runs on until it ends
        }
    }

    private static void discard(InputStream in) {
        try {
            in.transferTo(OutputStream.nullOutputStream());
        } catch (IOException ignored) {
            // ended
        }
    }
}
