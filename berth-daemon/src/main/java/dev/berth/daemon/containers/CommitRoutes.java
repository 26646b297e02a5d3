package dev.berth.daemon.containers;

import dev.berth.daemon.api.ApiException;
import dev.berth.daemon.api.Router;
import dev.berth.daemon.images.ImageRoutes;

import java.util.Map;

/** {@code POST /commit}. */
public final class CommitRoutes {
    private final CommitService commits;

    public CommitRoutes(CommitService commits) {
        this.commits = commits;
    }

    public void register(Router r) {
        r.post("/commit", ex -> {
            String container = ex.query("container", "");
            if (container.isEmpty()) {
                throw ApiException.badRequest("container is required");
            }
            byte[] body = ex.body();
            ContainerConfigSpec cfg = null;
            if (body.length > 0 && !new String(body, java.nio.charset.StandardCharsets.UTF_8).isBlank()) {
                cfg = ex.json().mapper().readValue(body, ContainerConfigSpec.class);
            }
            String id = commits.commit(new CommitService.Request(container,
                    ImageRoutes.repoTag(ex.query("repo", ""), ex.query("tag", "")), ex.query("author", ""),
                    ex.query("comment", ""), ex.queryBool("pause", true), ex.queryAll("changes"), cfg));
            ex.respondJson(201, Map.of("Id", id));
        });
    }
}
