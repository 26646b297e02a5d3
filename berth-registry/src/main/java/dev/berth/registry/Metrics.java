package dev.berth.registry;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Request counters, byte counters and latency histograms by route, in the Prometheus text format. */
final class Metrics {
    private static final double[] BUCKETS = {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60};

    private record RequestKey(String route, String method, int status) {}

    private static final class Latency {
        final LongAdder[] buckets = new LongAdder[BUCKETS.length];
        final LongAdder count = new LongAdder();
        final LongAdder nanos = new LongAdder();

        Latency() {
            for (int i = 0; i < buckets.length; i++) {
                buckets[i] = new LongAdder();
            }
        }
    }

    private final Map<RequestKey, LongAdder> requests = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> received = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> sent = new ConcurrentHashMap<>();
    private final Map<String, Latency> latency = new ConcurrentHashMap<>();

    /**
     * The methods counted under their own name. The method is the client's to choose: counted as sent, every
     * made-up one would add a series for good (memory without bound) and could break the page's label syntax.
     */
    private static final java.util.Set<String> METHODS = java.util.Set.of("GET", "HEAD", "PUT", "POST", "PATCH",
            "DELETE", "OPTIONS");

    void record(String route, String method, int status, long bytesIn, long bytesOut, long nanos) {
        String m = METHODS.contains(method) ? method : "other";
        requests.computeIfAbsent(new RequestKey(route, m, status), k -> new LongAdder()).increment();
        received.computeIfAbsent(route, k -> new LongAdder()).add(bytesIn);
        sent.computeIfAbsent(route, k -> new LongAdder()).add(bytesOut);
        Latency l = latency.computeIfAbsent(route, k -> new Latency());
        double seconds = nanos / 1e9;
        for (int i = 0; i < BUCKETS.length; i++) {
            if (seconds <= BUCKETS[i]) {
                l.buckets[i].increment();
            }
        }
        l.count.increment();
        l.nanos.add(nanos);
    }

    String render() {
        StringBuilder b = new StringBuilder();
        b.append("# HELP berth_registry_requests_total Requests answered, by route, method and status.\n")
                .append("# TYPE berth_registry_requests_total counter\n");
        new TreeMap<String, Long>(Map.copyOf(requestLines())).forEach((k, v) ->
                b.append("berth_registry_requests_total").append(k).append(' ').append(v).append('\n'));
        counter(b, "berth_registry_received_bytes_total", "Request body bytes received, by route.", received);
        counter(b, "berth_registry_sent_bytes_total", "Response body bytes sent, by route.", sent);
        b.append("# HELP berth_registry_request_duration_seconds Time from request to the last byte sent.\n")
                .append("# TYPE berth_registry_request_duration_seconds histogram\n");
        new TreeMap<>(latency).forEach((route, l) -> {
            for (int i = 0; i < BUCKETS.length; i++) {
                b.append("berth_registry_request_duration_seconds_bucket{route=\"").append(route)
                        .append("\",le=\"").append(BUCKETS[i]).append("\"} ").append(l.buckets[i].sum()).append('\n');
            }
            String labels = "{route=\"" + route + "\"}";
            b.append("berth_registry_request_duration_seconds_bucket{route=\"").append(route)
                    .append("\",le=\"+Inf\"} ").append(l.count.sum()).append('\n')
                    .append("berth_registry_request_duration_seconds_sum").append(labels).append(' ')
                    .append(l.nanos.sum() / 1e9).append('\n')
                    .append("berth_registry_request_duration_seconds_count").append(labels).append(' ')
                    .append(l.count.sum()).append('\n');
        });
        return b.toString();
    }

    private Map<String, Long> requestLines() {
        Map<String, Long> out = new java.util.HashMap<>();
        requests.forEach((k, v) -> out.put("{route=\"" + k.route() + "\",method=\"" + k.method() + "\",status=\""
                + k.status() + "\"}", v.sum()));
        return out;
    }

    private static void counter(StringBuilder b, String name, String help, Map<String, LongAdder> values) {
        b.append("# HELP ").append(name).append(' ').append(help).append('\n')
                .append("# TYPE ").append(name).append(" counter\n");
        new TreeMap<>(values).forEach((route, v) ->
                b.append(name).append("{route=\"").append(route).append("\"} ").append(v.sum()).append('\n'));
    }
}
