package dev.berth.dockerfile;

import dev.berth.dockerfile.DockerfileModel.Stage;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which stages depend on which: a stage needs its FROM stage, the stages of its
 * {@code COPY --from} and {@code RUN --mount=from=}. From it: the stages a target needs (the rest
 * are skipped) and the order to build them in waves, each wave's stages independent of each other
 * so they can run in parallel.
 */
public final class BuildGraph {
    /**
     * One stage in the graph.
     *
     * @param stage the stage
     * @param from its FROM with image and platform expanded in the global scope
     * @param baseStage the stage FROM names, or -1 when it is an image (or scratch)
     * @param stageDeps every stage it needs (base included)
     * @param imageDeps the images its COPY --from and RUN --mount from= name (not the base image)
     */
    public record Node(Stage stage, Instruction.From from, int baseStage, Set<Integer> stageDeps, Set<String> imageDeps) {
        public Node {
            stageDeps = Collections.unmodifiableSet(new TreeSet<>(stageDeps));
            imageDeps = Collections.unmodifiableSet(new TreeSet<>(imageDeps));
        }
    }

    private final DockerfileModel model;
    private final List<Node> nodes;

    private BuildGraph(DockerfileModel model, List<Node> nodes) {
        this.model = model;
        this.nodes = List.copyOf(nodes);
    }

    /** Builds the graph; {@code globalScope} expands FROM lines and --from values. */
    public static BuildGraph of(DockerfileModel model, Map<String, String> globalScope) throws DockerfileSyntaxException {
        ShellLex lex = ShellLex.of(model.escape());
        List<Node> nodes = new ArrayList<>();
        for (Stage s : model.stages()) {
            Instruction.From from = StageEvaluator.expandFrom(s.from(), model, globalScope);
            Set<Integer> deps = new TreeSet<>();
            Set<String> images = new TreeSet<>();
            Stage base = model.stageRef(from.image(), s.index());
            if (base != null) {
                deps.add(base.index());
            }
            for (Instruction in : s.instructions()) {
                List<String> refs = new ArrayList<>();
                if (in instanceof Instruction.Copy c && c.from() != null) {
                    refs.add(StageEvaluator.expand(lex, c.from(), globalScope::get, in));
                }
                if (in instanceof Instruction.Run r) {
                    for (String m : r.mounts()) {
                        try {
                            MountSpec spec = MountSpec.parse(StageEvaluator.expand(lex, m, globalScope::get, in));
                            if (spec.from() != null) {
                                refs.add(spec.from());
                            }
                        } catch (DockerfileSyntaxException.Detail e) {
                            throw new DockerfileSyntaxException(in.source().startLine(), in.source().endLine(), e.getMessage());
                        }
                    }
                }
                for (String ref : refs) {
                    int dep = stageIndex(model, ref, s.index(), in);
                    if (dep >= 0) {
                        deps.add(dep);
                    } else {
                        images.add(ref);
                    }
                }
            }
            nodes.add(new Node(s, from, base == null ? -1 : base.index(), deps, images));
        }
        return new BuildGraph(model, nodes);
    }

    /** A --from value as a stage index (by name, or by number), or -1 for an image. */
    private static int stageIndex(DockerfileModel model, String ref, int current, Instruction at) throws DockerfileSyntaxException {
        if (!ref.isEmpty() && ref.chars().allMatch(Character::isDigit)) {
            int n;
            try {
                n = Integer.parseInt(ref);
            } catch (NumberFormatException e) {
                n = Integer.MAX_VALUE;
            }
            if (n >= current) {
                throw new DockerfileSyntaxException(at.source().startLine(), at.source().endLine(),
                        "invalid from flag value " + ref + ": refers to current or future build stage");
            }
            return n;
        }
        Stage s = model.stageRef(ref, current);
        return s == null ? -1 : s.index();
    }

    public List<Node> nodes() {
        return nodes;
    }

    public Node node(int index) {
        return nodes.get(index);
    }

    /** The stage index for a --target (null or empty: the last stage). */
    public int target(String target) throws DockerfileSyntaxException {
        if (target == null || target.isEmpty()) {
            return nodes.size() - 1;
        }
        Stage s = model.stageNamed(target);
        if (s == null) {
            throw new DockerfileSyntaxException(1, "failed to reach build target " + target + " in Dockerfile");
        }
        return s.index();
    }

    /** The stages the target needs, itself included, in index order. */
    public Set<Integer> needed(int target) {
        Set<Integer> out = new TreeSet<>();
        List<Integer> todo = new ArrayList<>(List.of(target));
        while (!todo.isEmpty()) {
            int i = todo.removeLast();
            if (out.add(i)) {
                todo.addAll(nodes.get(i).stageDeps());
            }
        }
        return Collections.unmodifiableSet(out);
    }

    /**
     * The needed stages in waves: each wave's stages depend only on stages of earlier waves, so
     * the stages within a wave can be built in parallel. The target is in the last wave.
     */
    public List<List<Integer>> waves(int target) {
        Set<Integer> needed = needed(target);
        int[] level = new int[nodes.size()];
        int max = 0;
        // Dependencies always point to earlier stages, so index order is a topological order.
        for (int i : needed) {
            int l = 0;
            for (int d : nodes.get(i).stageDeps()) {
                l = Math.max(l, level[d] + 1);
            }
            level[i] = l;
            max = Math.max(max, l);
        }
        List<List<Integer>> waves = new ArrayList<>();
        for (int l = 0; l <= max; l++) {
            List<Integer> wave = new ArrayList<>();
            for (int i : needed) {
                if (level[i] == l) {
                    wave.add(i);
                }
            }
            waves.add(List.copyOf(wave));
        }
        return List.copyOf(waves);
    }
}
