package dev.berth.daemon.containers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.daemon.api.ApiException;
import dev.berth.daemon.api.Exchange;
import dev.berth.daemon.api.Router;
import dev.berth.sys.Pty;
import io.netty.buffer.Unpooled;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** {@code docker exec}: create, start (hijacked: multiplexed, or raw with a TTY; or detached), resize, inspect. */
public final class ExecRoutes {
    private final ExecService service;

    public ExecRoutes(ContainerService containers) {
        this.service = containers.execs();
    }

    public void register(Router r) {
        r.post("/containers/{id}/exec", ex -> {
            ExecService.ExecConfig cfg = ex.bodyJson(ExecService.ExecConfig.class);
            if (cfg.detachKeys() != null && !cfg.detachKeys().isEmpty()) {
                ContainerRoutes.detachKeys(cfg.detachKeys()); // 400 with Docker's message for a bad sequence
            }
            String id = service.create(ex.pathVar("id"), cfg);
            ex.respondJson(201, Map.of("Id", id));
        });
        r.post("/exec/{id}/start", this::start);
        r.post("/exec/{id}/resize", ex -> {
            Long h = ex.queryLong("h");
            Long w = ex.queryLong("w");
            if (h == null || w == null || h < 0 || w < 0 || h > 65535 || w > 65535) {
                throw ApiException.badRequest("invalid resize parameters: h and w must be numbers from 0 to 65535");
            }
            service.resize(ex.pathVar("id"), h.intValue(), w.intValue());
            ex.respondEmpty(200);
        });
        r.get("/exec/{id}/json", ex -> ex.respondJson(200, inspect(service.get(ex.pathVar("id")))));
    }

    private static Map<String, Object> inspect(ExecService.Exec e) {
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
        m.put("Pid", e.running ? e.pid() : 0);
        return m;
    }

    private void start(Exchange ex) throws Exception {
        ExecService.Exec e = service.get(ex.pathVar("id"));
        byte[] body = ex.body();
        JsonNode n = body.length == 0 ? null : ex.json().readTree(body);
        boolean detach = n != null && n.path("Detach").asBoolean(false);
        if (n != null && n.path("ConsoleSize").size() == 2 && e.config.tty()) {
            e.size = new int[] {n.path("ConsoleSize").get(0).asInt(), n.path("ConsoleSize").get(1).asInt()};
        }
        Process p = service.start(e);
        Pty pty = e.pty;
        if (detach) {
            p.getOutputStream().close();
            if (pty != null) {
                // nobody reads the terminal: drain it so the process never blocks on a full one
                Thread.ofPlatform().daemon().start(() -> pumpPty(pty, null));
            } else {
                Thread.ofPlatform().daemon().start(() -> discard(p.getInputStream()));
                Thread.ofPlatform().daemon().start(() -> discard(p.getErrorStream()));
            }
            ex.respondEmpty(200);
            return;
        }
        boolean tty = pty != null;
        Exchange.Hijacked conn = ex.hijack(tty ? StreamFrames.RAW : StreamFrames.MULTIPLEXED);
        java.util.concurrent.CompletableFuture<Void> detached = new java.util.concurrent.CompletableFuture<>();
        if (e.config.attachStdin()) {
            Thread.ofVirtual().start(() -> {
                if (tty) {
                    if (feedPty(conn.in(), pty, detachKeys(e))) {
                        detached.complete(null);
                    }
                    return;
                }
                try (OutputStream in = p.getOutputStream()) {
                    conn.in().transferTo(in);
                } catch (IOException ignored) {
                    // the process or the client went away
                }
            });
        } else {
            p.getOutputStream().close();
        }
        if (tty) {
            Thread out = Thread.ofPlatform().daemon().start(() -> pumpPty(pty, e.config.attachStdout() ? conn : null));
            Thread.ofVirtual().start(() -> {
                try {
                    out.join();
                } catch (InterruptedException ignored) {
                    Thread.currentThread().interrupt();
                }
                detached.complete(null);
            });
            detached.join();
            if (out.isAlive()) {
                // the detach keys: the exec runs on with its terminal drained, the client is let go as Docker does
                conn.close();
                return;
            }
        } else {
            Thread out = Thread.ofPlatform().daemon().start(() -> pump(p.getInputStream(), conn, 1, e.config.attachStdout()));
            Thread err = Thread.ofPlatform().daemon().start(() -> pump(p.getErrorStream(), conn, 2, e.config.attachStderr()));
            out.join();
            err.join();
        }
        e.done.get(30, TimeUnit.SECONDS);
        String failure = ExecService.failure(e);
        if (failure != null) {
            // runc could not start the process: Docker's message on stderr
            byte[] msg = (failure + "\r\n").getBytes(StandardCharsets.UTF_8);
            try {
                StreamFrames.write(conn.out(), tty, 2, msg, 0, msg.length);
            } catch (IOException ignored) {
                // client gone
            }
        }
        if (e.log != null) {
            java.nio.file.Files.deleteIfExists(e.log);
        }
        conn.channel().writeAndFlush(Unpooled.EMPTY_BUFFER).await(10, TimeUnit.SECONDS);
        conn.close();
        ExecService.logTimings(e, System.nanoTime());
    }

    /** Copies the terminal's output to the client (or nowhere) until runc, its last user, is gone; then closes it. */
    private static void pumpPty(Pty pty, Exchange.Hijacked conn) {
        byte[] buf = new byte[8192];
        try {
            int n;
            while ((n = pty.read(buf, 0, buf.length)) > 0) {
                if (conn != null) {
                    try {
                        conn.out().write(buf, 0, n);
                    } catch (IOException clientGone) {
                        conn = null; // keep draining: the process must not block on its terminal
                    }
                }
            }
        } catch (IOException ignored) {
            // the terminal failed: nothing more to copy
        } finally {
            pty.close();
        }
    }

    /** Copies the client's keys to the terminal; true when the client typed the detach sequence. */
    private static boolean feedPty(InputStream from, Pty pty, DetachKeys keys) {
        try {
            return keys.copy(from, pty::write);
        } catch (IOException ignored) {
            return false; // the client or the terminal went away
        }
    }

    private static DetachKeys detachKeys(ExecService.Exec e) {
        String spec = e.config.detachKeys();
        return new DetachKeys(ContainerRoutes.detachKeys(spec == null || spec.isEmpty() ? DetachKeys.DEFAULT : spec));
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
