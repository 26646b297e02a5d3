package dev.berth.tests;

import java.util.Map;

/** A raw HTTP response from berthd's API, for tests that check status codes and bodies. */
public record ApiResult(int status, Map<String, String> headers, String body) {
    @Override
    public String toString() {
        return status + " " + body;
    }
}
