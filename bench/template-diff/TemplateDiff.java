import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.cli.template.DockerNulls;
import dev.berth.cli.template.GoTemplate;
import dev.berth.cli.template.TemplateException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Runs each template (one per line) through docker's own Go template engine (docker inspect -f on a container)
 * and through Berth's GoTemplate over the same container's inspect JSON, and prints the templates whose output
 * differs. Usage: java -cp berth-cli classes TemplateDiff.java TEMPLATES CONTAINER INSPECT-JSON
 */
public final class TemplateDiff {
    private static final String PREFIX = "template parsing error: ";

    public static void main(String[] args) throws Exception {
        JsonNode data = new ObjectMapper().readTree(Files.readString(Path.of(args[2]))).get(0);
        int same = 0;
        int differ = 0;
        for (String t : Files.readAllLines(Path.of(args[0]))) {
            if (t.isBlank()) {
                continue;
            }
            Process p = new ProcessBuilder(System.getProperty("docker", "/usr/local/bin/docker"), "inspect", "-f", t, args[1])
                    .redirectErrorStream(true).start();
            String docker = new String(p.getInputStream().readAllBytes());
            p.waitFor();
            if (docker.endsWith("\n")) {
                docker = docker.substring(0, docker.length() - 1);
            }
            // docker prints partial output, then its own prefix before Go's error; compare Go's message only.
            int k = docker.indexOf(PREFIX);
            if (k >= 0) {
                docker = docker.substring(k + PREFIX.length());
            }
            String ours;
            try {
                ours = GoTemplate.parse(t).missingKeyError().nullFields(DockerNulls::render).execute(data);
            } catch (TemplateException e) {
                ours = e.getMessage().replace(PREFIX, "");
            }
            if (docker.equals(ours)) {
                same++;
            } else {
                differ++;
                System.out.println("TEMPLATE " + t + "\n  docker: " + docker.replace("\n", "\\n") + "\n  berth:  " + ours.replace("\n", "\\n"));
            }
        }
        System.out.println(same + " identical, " + differ + " different");
    }
}
