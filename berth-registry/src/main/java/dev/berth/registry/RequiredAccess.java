package dev.berth.registry;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The scopes a request needs, as distribution asks for them: reads need {@code pull}, uploads and manifest
 * pushes {@code pull,push}, deletes {@code delete}, the catalog {@code registry:catalog:*}; {@code /v2/}
 * only a valid credential. Also names the route for metrics and the access log.
 */
final class RequiredAccess {
    static final Pattern TAGS = Pattern.compile("/v2/(.+)/tags/list");
    static final Pattern MANIFEST = Pattern.compile("/v2/(.+)/manifests/([^/]+)");
    static final Pattern UPLOADS = Pattern.compile("/v2/(.+)/blobs/uploads/?");
    static final Pattern UPLOAD = Pattern.compile("/v2/(.+)/blobs/uploads/([^/]+)");
    static final Pattern BLOB = Pattern.compile("/v2/(.+)/blobs/([^/]+)");
    static final Pattern REFERRERS = Pattern.compile("/v2/(.+)/referrers/([^/]+)");

    /** What a request is for: a route label and the scopes it needs. */
    record Need(String route, List<Scope> scopes) {}

    private RequiredAccess() {}

    static Need of(String method, String path) {
        if (path.equals("/v2/") || path.equals("/v2")) {
            return new Need("base", List.of());
        }
        if (path.equals("/v2/_catalog")) {
            return new Need("catalog", List.of(Scope.CATALOG));
        }
        boolean write = !method.equals("GET") && !method.equals("HEAD");
        Matcher m;
        if ((m = TAGS.matcher(path)).matches()) {
            return new Need("tags", pull(m));
        }
        if ((m = MANIFEST.matcher(path)).matches()) {
            return new Need("manifest", method.equals("DELETE") ? delete(m) : write ? push(m) : pull(m));
        }
        if ((m = UPLOADS.matcher(path)).matches() || (m = UPLOAD.matcher(path)).matches()) {
            return new Need("upload", push(m));
        }
        if ((m = BLOB.matcher(path)).matches()) {
            return new Need("blob", method.equals("DELETE") ? delete(m) : pull(m));
        }
        if ((m = REFERRERS.matcher(path)).matches()) {
            return new Need("referrers", pull(m));
        }
        return new Need("other", List.of());
    }

    private static List<Scope> pull(Matcher m) {
        return List.of(Scope.repository(Names.repository(m.group(1)), "pull"));
    }

    private static List<Scope> push(Matcher m) {
        return List.of(Scope.repository(Names.repository(m.group(1)), "pull", "push"));
    }

    private static List<Scope> delete(Matcher m) {
        return List.of(Scope.repository(Names.repository(m.group(1)), "delete"));
    }
}
