package dev.berth.cli.commands;

import dev.berth.cli.Cli;
import dev.berth.cli.ExitException;
import dev.berth.cli.FlagSet;
import dev.berth.cli.client.Query;
import dev.berth.cli.client.Response;
import dev.berth.sys.Terminal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/** berth save: writes images (with their tags) to a docker archive. */
public final class SaveCommand extends BaseCommand {
    private String output;
    private String platform;

    public SaveCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Spec spec() {
        return Spec.of("save", "[OPTIONS] IMAGE [IMAGE...]", "Save one or more images to a tar archive (streamed to STDOUT by default)", 1, -1);
    }

    @Override
    public void define(FlagSet f) {
        f.string("o,output", "string", "Write to a file, instead of STDOUT", v -> output = v);
        f.string("platform", "string", "Save only the given platform variant", v -> platform = v);
    }

    @Override
    public int run(List<String> args) throws IOException {
        if (output == null && Terminal.isTerminal(1)) {
            throw new ExitException(1, "cowardly refusing to save to a terminal. Use the -o flag or redirect");
        }
        Query q = Query.of().add("platform", platformJson(platform));
        for (String a : args) {
            q.add("names", a);
        }
        try (Response r = client().call("GET", q.on("/images/get"), null); InputStream in = r.body()) {
            if (output == null) {
                in.transferTo(cli.out());
                cli.out().flush();
                return 0;
            }
            Path target = Path.of(output).toAbsolutePath();
            Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
            try (OutputStream out = Files.newOutputStream(tmp)) {
                in.transferTo(out);
            } catch (IOException e) {
                Files.deleteIfExists(tmp);
                throw new ExitException(1, "failed to save image: " + e.getMessage());
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        return 0;
    }

    /** {@code os[/arch[/variant]]} as the JSON-encoded OCI platform the docker CLI sends to save and load; null stays null. */
    static String platformJson(String spec) {
        if (spec == null || spec.isBlank()) {
            return null;
        }
        String[] p = spec.strip().toLowerCase(java.util.Locale.ROOT).split("/");
        if (p.length > 3 || p[0].isEmpty()) {
            throw new ExitException(1, "invalid platform: " + spec);
        }
        com.fasterxml.jackson.databind.node.ObjectNode n = dev.berth.cli.client.Json.object();
        n.put("architecture", p.length > 1 ? p[1] : VersionCommand.goArch(System.getProperty("os.arch")));
        n.put("os", p[0]);
        if (p.length > 2) {
            n.put("variant", p[2]);
        }
        return dev.berth.cli.client.Json.string(n);
    }
}
