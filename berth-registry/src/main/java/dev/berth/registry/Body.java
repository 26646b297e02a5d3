package dev.berth.registry;

import io.netty.buffer.ByteBuf;

import java.io.IOException;

/** Consumes one request's body as it streams in, then produces the response. */
interface Body {
    default void data(ByteBuf chunk) throws IOException {}

    Response end() throws IOException;

    /** The connection went away or the request failed before {@link #end}. */
    default void abort() {}
}
