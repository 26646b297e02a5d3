package dev.berth.daemon.api;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * First on a TLS listener: a client that speaks plain HTTP gets Go's answer ("Client sent an HTTP request to
 * an HTTPS server.") instead of a handshake failure it cannot explain; a TLS client gets the {@link SslHandler}.
 */
final class TlsOnlyHandler extends ByteToMessageDecoder {
    private static final byte[] PLAIN_ANSWER = ("HTTP/1.0 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n"
            + "Client sent an HTTP request to an HTTPS server.\n").getBytes(StandardCharsets.US_ASCII);

    private final SslContext ssl;

    TlsOnlyHandler(SslContext ssl) {
        this.ssl = ssl;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (in.readableBytes() < 5) {
            return; // a TLS record header is 5 bytes
        }
        if (SslHandler.isEncrypted(in, false)) {
            ctx.pipeline().replace(this, "tls", ssl.newHandler(ctx.alloc()));
            return;
        }
        in.skipBytes(in.readableBytes());
        ctx.writeAndFlush(Unpooled.wrappedBuffer(PLAIN_ANSWER)).addListener(ChannelFutureListener.CLOSE);
    }
}
