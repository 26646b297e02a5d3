package dev.berth.cli.template;

/** A template failed to parse or to execute; the message is worded like Go's text/template (and docker's). */
public final class TemplateException extends Exception {
    public TemplateException(String message) {
        super(message, null, false, false);
    }
}
