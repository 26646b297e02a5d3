package dev.berth.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.cli.Cli;
import dev.berth.cli.ExitException;
import dev.berth.cli.FlagSet;
import dev.berth.cli.client.Json;
import dev.berth.sys.Terminal;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** berth login: checks credentials with the registry (through the daemon) and stores them in config.json. */
public final class LoginCommand extends BaseCommand {
    private String username;
    private String password;
    private boolean passwordStdin;

    public LoginCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Spec spec() {
        return Spec.of("login", "[OPTIONS] [SERVER]", "Authenticate to a registry", 0, 1);
    }

    @Override
    public void define(FlagSet f) {
        f.string("u,username", "string", "Username", v -> username = v);
        f.string("p,password", "string", "Password or Personal Access Token (PAT)", v -> password = v);
        f.bool("password-stdin", "Take the Password or Personal Access Token (PAT) from stdin", v -> passwordStdin = v);
    }

    @Override
    public int run(List<String> args) throws IOException {
        String server = args.isEmpty() ? Registries.DOCKER_HUB_KEY : args.getFirst();
        String key = Registries.key(server);
        if (password != null) {
            cli.err().println("WARNING! Using --password via the CLI is insecure. Use --password-stdin.");
            if (passwordStdin) {
                throw new ExitException(1, "--password and --password-stdin are mutually exclusive");
            }
        }
        BufferedReader stdin = new BufferedReader(new InputStreamReader(cli.in(), StandardCharsets.UTF_8));
        if (passwordStdin) {
            if (username == null || username.isEmpty()) {
                throw new ExitException(1, "Must provide --username with --password-stdin");
            }
            String line = stdin.readLine();
            password = line == null ? "" : line.replaceAll("[\r\n]+$", "");
        }
        if (username == null || password == null) {
            if (!Terminal.isTerminal(0)) {
                throw new ExitException(1, "Error: Cannot perform an interactive login from a non TTY device");
            }
            if (username == null) {
                cli.out().print("Username: ");
                cli.out().flush();
                username = stdin.readLine();
            }
            if (password == null) {
                cli.out().print("Password: ");
                cli.out().flush();
                char[] pw = System.console() != null ? System.console().readPassword() : null;
                password = pw != null ? new String(pw) : stdin.readLine();
                cli.out().println();
            }
        }
        if (username == null || username.isBlank()) {
            throw new ExitException(1, "Error: Non-null Username Required");
        }
        if (password == null || password.isEmpty()) {
            throw new ExitException(1, "Error: Password Required");
        }
        ObjectNode body = Json.object();
        body.put("username", username.strip());
        body.put("password", password);
        body.put("serveraddress", key);
        JsonNode res = client().postJson("/auth", body);
        Registries reg = new Registries(cli);
        if (!reg.store(key, username.strip(), password, res.path("IdentityToken").asText(""))) {
            cli.err().println("WARNING! Your credentials are stored unencrypted in '" + reg.file() + "'.");
            cli.err().println("Configure a credential helper to remove this warning. See");
            cli.err().println("https://docs.docker.com/go/credential-store/");
            cli.err().println();
        }
        cli.out().println(res.path("Status").asText("Login Succeeded"));
        return 0;
    }
}
