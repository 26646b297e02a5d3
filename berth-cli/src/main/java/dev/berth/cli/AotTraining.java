package dev.berth.cli;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code berth --aot-training}: the AOT cache's training run. Serves canned API answers on a
 * private unix socket and runs the common commands against it, so the cache holds the classes
 * of command parsing, the HTTP client, JSON, templates and tables, with no daemon needed.
 */
final class AotTraining {
    private static final String VERSION = """
            {"Platform":{"Name":"Berth Engine"},"Components":[{"Name":"Engine","Version":"0.1.0","Details":{"ApiVersion":"1.50","Arch":"amd64","KernelVersion":"6.1","MinAPIVersion":"1.24","Os":"linux"}},{"Name":"runc","Version":"1.1.5","Details":{}}],"Version":"0.1.0","ApiVersion":"1.50","MinAPIVersion":"1.24","GitCommit":"","GoVersion":"java25","Os":"linux","Arch":"amd64","KernelVersion":"6.1","BuildTime":""}""";
    private static final String INFO = """
            {"ID":"x","Containers":1,"ContainersRunning":1,"ContainersPaused":0,"ContainersStopped":0,"Images":1,"Driver":"overlay2","DriverStatus":[["Backing Filesystem","extfs"]],"Plugins":{"Volume":["local"],"Network":["bridge"],"Log":["local"]},"Debug":false,"NCPU":2,"MemTotal":1000000,"OSType":"linux","Runtimes":{"runc":{"path":"runc"}},"SecurityOptions":["name=seccomp,profile=builtin"],"RegistryConfig":{"InsecureRegistryCIDRs":["127.0.0.0/8"],"IndexConfigs":{}},"Warnings":[]}""";
    private static final String CONTAINERS = """
            [{"Id":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","Names":["/train"],"Image":"busybox","ImageID":"sha256:0123","Command":"sh -c 'echo hello world; sleep 10'","Created":1700000000,"Ports":[{"PrivatePort":80,"Type":"tcp"}],"Labels":{"a":"b"},"State":"running","Status":"Up 2 seconds","HostConfig":{"NetworkMode":"default"},"NetworkSettings":{"Networks":{"bridge":{}}},"Mounts":[]}]""";
    private static final String IMAGES = """
            [{"Id":"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","ParentId":"","RepoTags":["busybox:latest"],"RepoDigests":[],"Created":1700000000,"Size":4261550,"SharedSize":-1,"Labels":null,"Containers":-1}]""";
    private static final String INSPECT = """
            {"Id":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","Name":"/train","State":{"Status":"exited","Running":false,"ExitCode":0},"Config":{"Tty":false,"Env":["A=1"],"Cmd":["sh"]},"HostConfig":{"AutoRemove":false}}""";

    private AotTraining() {}

    static int run(Cli real) {
        Path dir;
        try {
            dir = Files.createTempDirectory("berth-aot");
        } catch (IOException e) {
            return 1;
        }
        Path sock = dir.resolve("d.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock));
            Thread serving = Thread.ofPlatform().daemon().start(() -> serve(server));
            String host = "unix://" + sock;
            List<String[]> lines = List.of(
                    new String[] {"version"},
                    new String[] {"version", "--format", "{{.Server.Version}} {{json .Client}}"},
                    new String[] {"info"},
                    new String[] {"ps", "-a"},
                    new String[] {"ps", "--format", "json"},
                    new String[] {"ps", "--format", "table {{.ID}}\t{{.Names}}\t{{.Labels}}"},
                    new String[] {"container", "ls", "-q"},
                    new String[] {"images"},
                    new String[] {"images", "--format", "{{.Repository}}:{{.Tag}} {{.Size}}"},
                    new String[] {"inspect", "train"},
                    new String[] {"inspect", "-f", "{{.State.Status}} {{range .Config.Env}}{{.}} {{end}}", "train"},
                    new String[] {"logs", "train"},
                    new String[] {"stop", "train"},
                    new String[] {"rm", "-f", "train"},
                    new String[] {"create", "--name", "x", "-e", "A=1", "-m", "64m", "--cpus", "1.5", "-p", "8080:80", "busybox", "sh"},
                    new String[] {"run", "-d", "--rm", "busybox", "true"},
                    new String[] {"--help"},
                    new String[] {"run", "--help"},
                    new String[] {"ps", "--bogus"},
                    new String[] {"rm"});
            for (int round = 0; round < 3; round++) {
                for (String[] l : lines) {
                    String[] args = new String[l.length + 2];
                    args[0] = "-H";
                    args[1] = host;
                    System.arraycopy(l, 0, args, 2, l.length);
                    Cli cli = new Cli(new PrintStream(OutputStream.nullOutputStream(), false, StandardCharsets.UTF_8),
                            new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8),
                            new ByteArrayInputStream(new byte[0]), Map.of());
                    Berth.run(args, cli);
                }
            }
            serving.interrupt();
        } catch (IOException e) {
            real.err().println("aot training: " + e.getMessage());
            return 1;
        } finally {
            try {
                Files.deleteIfExists(sock);
                Files.deleteIfExists(dir);
            } catch (IOException ignored) {
                // temp files
            }
        }
        return 0;
    }

    private static void serve(ServerSocketChannel server) {
        while (true) {
            try {
                SocketChannel ch = server.accept();
                Thread.ofVirtual().start(() -> answer(ch));
            } catch (IOException e) {
                return;
            }
        }
    }

    private static void answer(SocketChannel ch) {
        try (ch) {
            InputStream in = Channels.newInputStream(ch);
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int c = in.read();
                if (c < 0) {
                    return;
                }
                head.append((char) c);
            }
            String[] first = head.substring(0, head.indexOf("\r\n")).split(" ");
            Map<String, String> h = new HashMap<>();
            for (String line : head.toString().split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    h.put(line.substring(0, colon).toLowerCase(java.util.Locale.ROOT), line.substring(colon + 1).strip());
                }
            }
            if (h.containsKey("content-length")) {
                in.readNBytes(Integer.parseInt(h.get("content-length")));
            }
            String path = first[1];
            int status = 200;
            String body;
            if (path.startsWith("/_ping")) {
                body = "OK";
            } else if (path.endsWith("/version")) {
                body = VERSION;
            } else if (path.endsWith("/info")) {
                body = INFO;
            } else if (path.contains("/containers/json")) {
                body = CONTAINERS;
            } else if (path.contains("/images/json")) {
                body = IMAGES;
            } else if (path.contains("/containers/create")) {
                status = 201;
                body = "{\"Id\":\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\",\"Warnings\":[]}";
            } else if (path.endsWith("/json")) {
                body = INSPECT;
            } else if (path.contains("/logs")) {
                byte[] frame = dev.berth.cli.client.StreamDemux.frame(1, "hello\n".getBytes(StandardCharsets.UTF_8));
                chunked(ch, frame);
                return;
            } else if (path.contains("/stop") || path.contains("/start")) {
                status = 204;
                body = "";
            } else {
                status = 404;
                body = "{\"message\":\"No such container: train\"}";
            }
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            String resp = "HTTP/1.1 " + status + " X\r\nApi-Version: 1.50\r\nContent-Type: application/json\r\nContent-Length: " + b.length + "\r\n\r\n";
            ch.write(ByteBuffer.wrap(resp.getBytes(StandardCharsets.US_ASCII)));
            ch.write(ByteBuffer.wrap(b));
        } catch (IOException ignored) {
            // training only
        }
    }

    private static void chunked(SocketChannel ch, byte[] data) throws IOException {
        String head = "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                + Integer.toHexString(data.length) + "\r\n";
        ch.write(ByteBuffer.wrap(head.getBytes(StandardCharsets.US_ASCII)));
        ch.write(ByteBuffer.wrap(data));
        ch.write(ByteBuffer.wrap("\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
    }
}
