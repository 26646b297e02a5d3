package dev.berth.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.oci.Digest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Which manifests name a given manifest as their {@code subject}, per repository: one small file per referrer
 * under {@code repositories/<name>/_referrers/<alg>/<subject hex>/<alg>-<referrer hex>} holding the descriptor
 * the referrers API lists, written when the referrer is pushed and removed when it is deleted.
 */
final class ReferrersIndex {
    private final Path repos;
    private final ObjectMapper mapper;

    ReferrersIndex(Path root, ObjectMapper mapper) {
        this.repos = root.resolve("repositories");
        this.mapper = mapper;
    }

    private Path dir(String name, Digest subject) {
        return repos.resolve(Names.repository(name)).resolve("_referrers").resolve(subject.algorithm())
                .resolve(subject.hex());
    }

    private static String entry(Digest referrer) {
        return referrer.algorithm() + "-" + referrer.hex();
    }

    void add(String name, Digest subject, Digest referrer, long size, Manifests.Parsed parsed) throws IOException {
        ObjectNode d = mapper.createObjectNode();
        d.put("mediaType", parsed.mediaType());
        d.put("digest", referrer.toString());
        d.put("size", size);
        parsed.artifactType().ifPresent(t -> d.put("artifactType", t));
        if (parsed.annotations().isObject() && !parsed.annotations().isEmpty()) {
            d.set("annotations", parsed.annotations());
        }
        Files2.writeAtomic(dir(name, subject).resolve(entry(referrer)), mapper.writeValueAsBytes(d));
    }

    void remove(String name, Digest subject, Digest referrer) throws IOException {
        Files.deleteIfExists(dir(name, subject).resolve(entry(referrer)));
    }

    /** The descriptors of {@code subject}'s referrers, in a stable order, optionally only one artifact type. */
    List<JsonNode> list(String name, Digest subject, Optional<String> artifactType) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> s = Files.list(dir(name, subject))) {
            files = s.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
        } catch (NoSuchFileException e) {
            return out;
        }
        for (Path f : files) {
            JsonNode d;
            try {
                d = mapper.readTree(Files.readAllBytes(f));
            } catch (NoSuchFileException raced) {
                continue;
            }
            if (artifactType.isEmpty() || artifactType.get().equals(d.path("artifactType").asText())) {
                out.add(d);
            }
        }
        return out;
    }
}
