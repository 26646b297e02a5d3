package dev.berth.dockerfile;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A Dockerfile as build stages: the ARGs before the first FROM (the global scope) and each stage's
 * FROM and instructions, with every instruction checked.
 *
 * @param metaArgs the ARG instructions before the first FROM
 * @param stages the stages in file order
 * @param escape the escape character for variable expansion
 */
public record DockerfileModel(List<Instruction.Arg> metaArgs, List<Stage> stages, int escape) {
    public DockerfileModel {
        metaArgs = List.copyOf(metaArgs);
        stages = List.copyOf(stages);
    }

    /**
     * One build stage.
     *
     * @param index its position (0-based), usable in {@code COPY --from=N}
     * @param name its {@code AS} name in lower case, or null
     * @param from the FROM instruction
     * @param instructions what follows FROM up to the next FROM
     */
    public record Stage(int index, String name, Instruction.From from, List<Instruction> instructions) {
        public Stage {
            instructions = List.copyOf(instructions);
        }
    }

    /** Builds the model of a parsed Dockerfile. */
    public static DockerfileModel of(ParsedDockerfile parsed) throws DockerfileSyntaxException {
        List<Instruction.Arg> meta = new ArrayList<>();
        List<Stage> stages = new ArrayList<>();
        Map<String, Integer> names = new HashMap<>();
        Instruction.From from = null;
        List<Instruction> body = new ArrayList<>();
        for (Statement st : parsed.statements()) {
            Instruction in = Instruction.of(st);
            if (in instanceof Instruction.From f) {
                if (from != null) {
                    stages.add(new Stage(stages.size(), from.stageName(), from, body));
                }
                if (f.stageName() != null && names.putIfAbsent(f.stageName(), stages.size()) != null) {
                    throw new DockerfileSyntaxException(st.startLine(), st.endLine(), "duplicate stage name " + GoText.quote(f.stageName()));
                }
                from = f;
                body = new ArrayList<>();
            } else if (from == null) {
                if (!(in instanceof Instruction.Arg a)) {
                    throw new DockerfileSyntaxException(st.startLine(), st.endLine(), "no build stage in current context");
                }
                meta.add(a);
            } else {
                body.add(in);
            }
        }
        if (from == null) {
            int line = parsed.statements().getLast().endLine();
            throw new DockerfileSyntaxException(line, "no build stage in current context");
        }
        stages.add(new Stage(stages.size(), from.stageName(), from, body));
        return new DockerfileModel(meta, stages, parsed.escape());
    }

    /**
     * The instructions of a base image's ONBUILD triggers (its config's {@code OnBuild}), each
     * parsed as its own Dockerfile (heredoc triggers carry their bodies); ONBUILD, FROM and
     * MAINTAINER triggers are refused as Docker refuses them.
     */
    public static List<Instruction> onbuildTriggers(List<String> triggers) throws DockerfileSyntaxException {
        List<Instruction> out = new ArrayList<>();
        for (String trigger : triggers) {
            for (Statement st : DockerfileParser.parse(trigger).statements()) {
                String kw = st.keyword().toUpperCase(Locale.ROOT);
                switch (kw) {
                    case "ONBUILD" -> throw new DockerfileSyntaxException(st.startLine(), "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
                    case "MAINTAINER", "FROM" -> throw new DockerfileSyntaxException(st.startLine(), kw + " isn't allowed as an ONBUILD trigger");
                    default -> out.add(Instruction.of(st));
                }
            }
        }
        return List.copyOf(out);
    }

    /** Parses Dockerfile text straight to its model. */
    public static DockerfileModel parse(String dockerfile) throws DockerfileSyntaxException {
        return of(DockerfileParser.parse(dockerfile));
    }

    /**
     * The stage a name or index refers to among the stages before {@code before} (as {@code FROM} and
     * {@code COPY --from} see them), or null when it is not a stage (an image reference).
     */
    public Stage stageRef(String ref, int before) {
        String lower = ref.toLowerCase(Locale.ROOT);
        for (int i = 0; i < before && i < stages.size(); i++) {
            if (lower.equals(stages.get(i).name())) {
                return stages.get(i);
            }
        }
        return null;
    }

    /** The stage named (case-insensitively) {@code target}, or null. */
    public Stage stageNamed(String target) {
        String lower = target.toLowerCase(Locale.ROOT);
        for (Stage s : stages) {
            if (lower.equals(s.name())) {
                return s;
            }
        }
        return null;
    }
}
