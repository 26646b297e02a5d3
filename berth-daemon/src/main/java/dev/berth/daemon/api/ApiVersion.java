package dev.berth.daemon.api;

/** An Engine API version such as 1.50, comparable, with the range berthd serves. */
public record ApiVersion(int major, int minor) implements Comparable<ApiVersion> {
    public static final ApiVersion MIN = new ApiVersion(1, 24);
    public static final ApiVersion MAX = new ApiVersion(1, 50);

    public static ApiVersion parse(String text) {
        int dot = text.indexOf('.');
        if (dot <= 0 || dot == text.length() - 1) {
            throw ApiException.badRequest("invalid API version: " + text);
        }
        try {
            return new ApiVersion(Integer.parseInt(text.substring(0, dot)), Integer.parseInt(text.substring(dot + 1)));
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("invalid API version: " + text);
        }
    }

    public boolean atLeast(int major, int minor) {
        return compareTo(new ApiVersion(major, minor)) >= 0;
    }

    @Override
    public int compareTo(ApiVersion o) {
        return major != o.major ? Integer.compare(major, o.major) : Integer.compare(minor, o.minor);
    }

    @Override
    public String toString() {
        return major + "." + minor;
    }
}
