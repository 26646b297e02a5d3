package dev.berth.daemon.api;

import io.netty.handler.codec.http.HttpMethod;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RouterTest {
    private final RouteHandler list = ex -> {};
    private final RouteHandler inspect = ex -> {};
    private final RouteHandler remove = ex -> {};
    private final RouteHandler containerJson = ex -> {};
    private final Router router = new Router()
            .get("/images/json", list)
            .get("/images/{name...}/json", inspect)
            .delete("/images/{name...}", remove)
            .get("/containers/{id}/json", containerJson);

    @Test
    void literalRoutesWinOverVariables() {
        assertThat(router.find(HttpMethod.GET, "/images/json").handler()).isSameAs(list);
    }

    @Test
    void tailVariablesTakeNamesWithSlashesAndPorts() {
        Router.Match m = router.find(HttpMethod.GET, "/images/localhost:5000/team/app:1.0/json");
        assertThat(m.handler()).isSameAs(inspect);
        assertThat(m.vars()).containsEntry("name", "localhost:5000/team/app:1.0");
        assertThat(router.find(HttpMethod.DELETE, "/images/busybox:latest").vars()).containsEntry("name", "busybox:latest");
    }

    @Test
    void percentEncodedSegmentsAreDecodedButPlusIsKept() {
        assertThat(router.find(HttpMethod.GET, "/containers/a%2Bb/json").vars()).containsEntry("id", "a+b");
        assertThat(router.find(HttpMethod.GET, "/containers/a+b/json").vars()).containsEntry("id", "a+b");
    }

    @Test
    void methodAndSegmentCountMustMatch() {
        assertThat(router.find(HttpMethod.POST, "/images/json")).isNull();
        assertThat(router.find(HttpMethod.GET, "/containers/x/json/extra")).isNull();
        assertThat(router.find(HttpMethod.GET, "/containers/json")).isNull();
    }
}
