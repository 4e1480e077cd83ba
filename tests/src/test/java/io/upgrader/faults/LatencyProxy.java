package io.upgrader.faults;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy for tests that holds back what the server sends, like Toxiproxy's latency toxic on the downstream:
 * bytes from the client go through at once; each chunk from the server is handed to the client no earlier than
 * the latency in force when the proxy read it, and never before a chunk read earlier on the same connection, so
 * the byte stream is the server's. The latency can be changed at any time; chunks already held keep their due
 * time. Per connection: one thread forwards the client's bytes, one reads the server's into a queue, one
 * delivers them from the queue when due.
 */
public final class LatencyProxy implements AutoCloseable {

    private static final int BUFFER_SIZE = 64 * 1024;

    private final ServerSocket listener;
    private final InetSocketAddress upstream;
    private final ExecutorService threads;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicLong delayedChunks = new AtomicLong();
    private volatile long latencyNanos;
    private volatile boolean closed;

    private LatencyProxy(ServerSocket listener, InetSocketAddress upstream) {
        this.listener = listener;
        this.upstream = upstream;
        AtomicInteger count = new AtomicInteger();
        this.threads = Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "latency-proxy-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Listens on a free port of {@code host} and forwards every connection to {@code host:upstreamPort}. */
    public static LatencyProxy start(String host, int upstreamPort) {
        try {
            InetAddress address = InetAddress.getByName(host);
            LatencyProxy proxy = new LatencyProxy(new ServerSocket(0, 50, address),
                    new InetSocketAddress(address, upstreamPort));
            proxy.threads.execute(proxy::accept);
            return proxy;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot listen on " + host, e);
        }
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** From now on, what the server sends reaches the client this much later; zero passes it on at once. */
    public void latency(Duration latency) {
        latencyNanos = latency.toNanos();
    }

    /** Chunks read from the server and not yet written to their client, over the open connections. */
    public int pending() {
        return connections.stream().mapToInt(connection -> connection.undelivered.get()).sum();
    }

    /** Chunks read from the server while a latency was in force, since the start. */
    public long delayedChunks() {
        return delayedChunks.get();
    }

    /** Stops listening, drops every connection (held chunks are not delivered) and ends the proxy's threads. */
    @Override
    public void close() {
        closed = true;
        closeQuietly(listener);
        connections.forEach(Connection::close);
        threads.shutdownNow();
        try {
            threads.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void accept() {
        while (!closed) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return;
            }
            Socket server = new Socket();
            try {
                client.setTcpNoDelay(true);
                server.setTcpNoDelay(true);
                server.connect(upstream, 5_000);
            } catch (IOException e) {
                // The server is not there (yet): the client sees its connection closed, as it would without us.
                closeQuietly(client);
                closeQuietly(server);
                continue;
            }
            Connection connection = new Connection(client, server);
            connections.add(connection);
            if (closed) {
                connection.close();
                return;
            }
            threads.execute(connection::forwardRequests);
            threads.execute(connection::readResponses);
            threads.execute(connection::deliverResponses);
        }
    }

    /** A chunk the server sent, due at the client at {@code dueNanos} (System.nanoTime); null bytes end the stream. */
    private record Chunk(byte[] bytes, long dueNanos) {
    }

    private static final Chunk END = new Chunk(null, 0);

    private final class Connection {

        private final Socket client;
        private final Socket server;
        private final BlockingQueue<Chunk> toClient = new LinkedBlockingQueue<>();
        private final AtomicInteger undelivered = new AtomicInteger();
        private final AtomicBoolean open = new AtomicBoolean(true);

        Connection(Socket client, Socket server) {
            this.client = client;
            this.server = server;
        }

        void forwardRequests() {
            try {
                InputStream in = client.getInputStream();
                OutputStream out = server.getOutputStream();
                byte[] buffer = new byte[BUFFER_SIZE];
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // Either side went away.
            } finally {
                close();
            }
        }

        void readResponses() {
            try {
                InputStream in = server.getInputStream();
                byte[] buffer = new byte[BUFFER_SIZE];
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    long latency = latencyNanos;
                    if (latency > 0) {
                        delayedChunks.incrementAndGet();
                    }
                    undelivered.incrementAndGet();
                    toClient.add(new Chunk(Arrays.copyOf(buffer, n), System.nanoTime() + latency));
                }
            } catch (IOException e) {
                // The server went away, or close() closed the socket.
            } finally {
                // What the server sent before it closed still reaches the client, when due; then it is closed.
                toClient.add(END);
            }
        }

        void deliverResponses() {
            try {
                OutputStream out = client.getOutputStream();
                while (true) {
                    Chunk chunk = toClient.take();
                    if (chunk == END) {
                        return;
                    }
                    long wait = chunk.dueNanos() - System.nanoTime();
                    if (wait > 0) {
                        // The proxy's own delivery thread honouring the due time: nothing else waits on this.
                        TimeUnit.NANOSECONDS.sleep(wait);
                    }
                    out.write(chunk.bytes());
                    out.flush();
                    undelivered.decrementAndGet();
                }
            } catch (IOException | InterruptedException e) {
                // The client went away, or the proxy is closing.
            } finally {
                close();
            }
        }

        void close() {
            if (open.compareAndSet(true, false)) {
                connections.remove(this);
                closeQuietly(client);
                closeQuietly(server);
            }
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            // Closing anyway.
        }
    }
}
