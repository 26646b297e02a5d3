package dev.berth.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.cli.Cli;
import dev.berth.cli.ExitException;
import dev.berth.cli.FlagSet;
import dev.berth.cli.build.ContextTar;
import dev.berth.cli.client.Json;
import dev.berth.cli.client.Query;
import dev.berth.cli.client.Response;
import dev.berth.dockerfile.DockerfileSyntaxException;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * berth build: sends a context directory (honouring its .dockerignore) or a tar on stdin to the
 * daemon's classic builder and prints its output as docker's classic build does.
 */
public final class BuildCommand extends BaseCommand {
    private final List<String> tags = new ArrayList<>();
    private final List<String> buildArgs = new ArrayList<>();
    private final List<String> labels = new ArrayList<>();
    private String file;
    private String target;
    private String network;
    private boolean noCache;
    private boolean quiet;
    private boolean pull;
    private boolean rm = true;
    private boolean forceRm;

    public BuildCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Spec spec() {
        return Spec.of("build", "[OPTIONS] PATH | URL | -", "Build an image from a Dockerfile", 1, 1);
    }

    @Override
    public void define(FlagSet f) {
        f.list("build-arg", "list", "Set build-time variables", buildArgs);
        f.string("f,file", "string", "Name of the Dockerfile (Default is \"PATH/Dockerfile\")", v -> file = v);
        f.bool("force-rm", "Always remove intermediate containers", v -> forceRm = v);
        f.list("label", "list", "Set metadata for an image", labels);
        f.string("network", "string", "Set the networking mode for the RUN instructions during build", v -> network = v);
        f.bool("no-cache", "Do not use cache when building the image", v -> noCache = v);
        f.bool("pull", "Always attempt to pull a newer version of the image", v -> pull = v);
        f.bool("q,quiet", "Suppress the build output and print image ID on success", v -> quiet = v);
        f.bool("rm", "Remove intermediate containers after a successful build", v -> rm = v);
        f.list("t,tag", "list", "Name and optionally a tag in the \"name:tag\" format", tags);
        f.string("target", "string", "Set the target build stage to build.", v -> target = v);
    }

    @Override
    public int run(List<String> args) throws Exception {
        String context = args.getFirst();
        Query q = Query.of();
        for (String t : tags) {
            q.add("t", t);
        }
        var argMap = Json.object();
        for (String a : buildArgs) {
            int eq = a.indexOf('=');
            // docker: a name alone takes its value from the environment (none: not set)
            argMap.put(eq < 0 ? a : a.substring(0, eq), eq < 0 ? System.getenv(a) : a.substring(eq + 1));
        }
        var labelMap = Json.object();
        for (String l : labels) {
            int eq = l.indexOf('=');
            labelMap.put(eq < 0 ? l : l.substring(0, eq), eq < 0 ? "" : l.substring(eq + 1));
        }
        q.add("buildargs", Json.string(argMap)).add("labels", Json.string(labelMap));
        q.add("target", target).add("networkmode", network).bool("nocache", noCache).bool("q", quiet).bool("pull", pull)
                .add("rm", rm ? "1" : "0").bool("forcerm", forceRm).add("version", "1");
        InputStream body;
        if (context.equals("-")) {
            if (file != null) {
                q.add("dockerfile", file);
            }
            body = stdinContext(q);
        } else {
            Path dir = Path.of(context);
            if (!Files.isDirectory(dir)) {
                throw new ExitException(1, "unable to prepare context: path \"" + context + "\" not found");
            }
            body = contextOf(dir, q);
        }
        try (body; Response r = client().upload("POST", q.on("/build"), body, "application/x-tar")) {
            print(r.body());
        }
        return 0;
    }

    /** The context directory as a tar, written by a virtual thread into a pipe while it is sent. */
    private InputStream contextOf(Path dir, Query q) throws IOException {
        String dockerfileRel = "Dockerfile";
        String extraName = null;
        byte[] extra = null;
        if (file != null) {
            Path abs = file.equals("-") ? null : Path.of(file).toAbsolutePath().normalize();
            Path root = dir.toAbsolutePath().normalize();
            if (abs != null && abs.startsWith(root)) {
                dockerfileRel = root.relativize(abs).toString();
            } else {
                extra = file.equals("-") ? cli.in().readAllBytes() : readDockerfile(abs);
                extraName = ".dockerfile." + Long.toHexString(Double.doubleToLongBits(Math.random())).substring(0, 12);
                dockerfileRel = extraName;
            }
        }
        if (extraName == null && !Files.isRegularFile(dir.resolve(dockerfileRel))) {
            throw new ExitException(1, "unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat "
                    + dir.toAbsolutePath().resolve(dockerfileRel) + ": no such file or directory");
        }
        q.add("dockerfile", dockerfileRel);
        PipedInputStream in = new PipedInputStream(1 << 16);
        PipedOutputStream out = new PipedOutputStream(in);
        String rel = dockerfileRel;
        String name = extraName;
        byte[] df = extra;
        Thread.ofVirtual().start(() -> {
            try (out) {
                ContextTar.write(dir, rel, name, df, out);
            } catch (IOException | DockerfileSyntaxException.Detail e) {
                cli.err().println("error sending the build context: " + e.getMessage());
            }
        });
        return in;
    }

    private static byte[] readDockerfile(Path p) throws IOException {
        try {
            return Files.readAllBytes(p);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new ExitException(1, "unable to prepare context: the Dockerfile (" + p + ") cannot be empty or missing");
        }
    }

    /** {@code build -}: stdin is a context tar (any compression), or else a Dockerfile alone. */
    private InputStream stdinContext(Query q) throws IOException {
        BufferedInputStream in = new BufferedInputStream(cli.in(), 1 << 16);
        in.mark(512);
        byte[] head = in.readNBytes(512);
        in.reset();
        boolean archive = head.length >= 4 && ((head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b
                || head[0] == 'B' && head[1] == 'Z' && head[2] == 'h'
                || (head[0] & 0xff) == 0xfd && head[1] == '7' && head[2] == 'z'
                || head.length == 512 && new String(head, 257, 5, java.nio.charset.StandardCharsets.US_ASCII).equals("ustar"));
        if (archive) {
            return in;
        }
        byte[] dockerfile = in.readAllBytes();
        java.io.ByteArrayOutputStream tar = new java.io.ByteArrayOutputStream();
        try (dev.berth.cli.build.TarWriter w = new dev.berth.cli.build.TarWriter(tar)) {
            w.file("Dockerfile", 0644, dockerfile.length, System.currentTimeMillis() / 1000, new java.io.ByteArrayInputStream(dockerfile));
        }
        q.add("dockerfile", "Dockerfile");
        return new java.io.ByteArrayInputStream(tar.toByteArray());
    }

    /** Prints the classic builder's stream; an error ends the command with its code, as docker does. */
    private void print(InputStream in) throws IOException {
        Iterator<JsonNode> it = Json.stream(in);
        while (it.hasNext()) {
            JsonNode m = it.next();
            if (m.hasNonNull("errorDetail") || m.hasNonNull("error")) {
                cli.out().flush();
                int code = m.path("errorDetail").path("code").asInt(0);
                throw new ExitException(code == 0 ? 1 : code, m.path("errorDetail").path("message").asText(m.path("error").asText()));
            }
            if (m.hasNonNull("stream")) {
                cli.out().print(m.get("stream").asText());
                cli.out().flush();
            }
        }
    }
}
