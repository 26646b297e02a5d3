package dev.berth.registry;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Hashes an upload's chunks on a thread of its own, in order, while the writer puts them on disk: the two
 * halves of the work overlap instead of taking turns. At most a few chunks wait, so memory stays bounded and
 * a hasher that falls behind slows the writer (and so the socket) down.
 */
final class ChunkHasher {
    private static final ByteBuf END = Unpooled.EMPTY_BUFFER;

    private final MessageDigest md;
    private final BlockingQueue<ByteBuf> queue = new ArrayBlockingQueue<>(8);
    private final Thread thread;

    ChunkHasher(MessageDigest md) {
        this.md = md;
        this.thread = Thread.ofVirtual().name("upload-hash").start(this::run);
    }

    private void run() {
        while (true) {
            ByteBuf b;
            try {
                b = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            if (b == END) {
                return;
            }
            try {
                for (ByteBuffer nio : b.nioBuffers()) {
                    md.update(nio);
                }
            } finally {
                b.release();
            }
        }
    }

    /** Queues a chunk (the hasher holds its own reference); blocks while the hasher is behind. */
    void add(ByteBuf chunk) throws java.io.InterruptedIOException {
        ByteBuf own = chunk.retainedDuplicate();
        try {
            queue.put(own);
        } catch (InterruptedException e) {
            own.release();
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while hashing");
        }
    }

    /** Waits until every queued chunk is hashed; the digest then covers them all. */
    MessageDigest finish() throws java.io.InterruptedIOException {
        try {
            queue.put(END);
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while hashing");
        }
        return md;
    }
}
