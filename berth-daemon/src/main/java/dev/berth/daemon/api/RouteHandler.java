package dev.berth.daemon.api;

/** Answers one API route; runs on its own virtual thread and may block. */
@FunctionalInterface
public interface RouteHandler {
    void handle(Exchange exchange) throws Exception;
}
