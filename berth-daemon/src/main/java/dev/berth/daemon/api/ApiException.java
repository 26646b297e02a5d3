package dev.berth.daemon.api;

/** An error that the API reports to the client as Docker does: a status code and {"message": ...}. */
public class ApiException extends RuntimeException {
    private final int status;

    public ApiException(int status, String message) {
        super(message);
        this.status = status;
    }

    public ApiException(int status, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    public int status() {
        return status;
    }

    /** 400: the request is malformed or a parameter is invalid. */
    public static ApiException badRequest(String message) {
        return new ApiException(400, message);
    }

    /** 404: the object named does not exist. */
    public static ApiException notFound(String message) {
        return new ApiException(404, message);
    }

    /** 409: the request conflicts with the object's state. */
    public static ApiException conflict(String message) {
        return new ApiException(409, message);
    }

    /** 304: nothing to do (e.g. starting a running container). */
    public static ApiException notModified() {
        return new ApiException(304, "");
    }
}
