package dev.berth.registry;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the real command-line tools the tests use (openssl, htpasswd, curl, skopeo). */
final class Tools {
    /** The outcome of one command. */
    record Result(int exit, String output) {}

    private Tools() {}

    static boolean available(String... probe) {
        try {
            Process p = new ProcessBuilder(probe).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    static Result run(Path dir, List<String> cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("timed out: " + cmd);
        }
        return new Result(p.exitValue(), out);
    }

    static String ok(Path dir, String... cmd) throws IOException, InterruptedException {
        Result r = run(dir, List.of(cmd));
        if (r.exit() != 0) {
            throw new AssertionError(String.join(" ", cmd) + " exited " + r.exit() + ":\n" + r.output());
        }
        return r.output();
    }

    /**
     * A CA, a server certificate for 127.0.0.1/localhost signed by it, and a client certificate signed by it,
     * made by openssl in {@code dir}: ca.crt, server.crt/server.key, client.crt/client.key (keys in PKCS#8).
     */
    static void makeCertificates(Path dir) throws IOException, InterruptedException {
        ok(dir, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=berth test CA",
                "-keyout", "ca.key", "-out", "ca.crt");
        for (String who : List.of("server", "client")) {
            ok(dir, "openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + who,
                    "-keyout", who + ".key", "-out", who + ".csr");
            java.nio.file.Files.writeString(dir.resolve(who + ".ext"), who.equals("server")
                    ? "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"
                    : "extendedKeyUsage=clientAuth\n");
            ok(dir, "openssl", "x509", "-req", "-in", who + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                    "-CAcreateserial", "-days", "2", "-extfile", who + ".ext", "-out", who + ".crt");
        }
    }
}
