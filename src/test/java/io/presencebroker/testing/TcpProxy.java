package io.presencebroker.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP forwarder on a free loopback port to {@code 127.0.0.1:targetPort}: the network between the service and a
 * server, which a test can cut. {@link #cut()} closes every open connection (both sides see the socket die, as with a
 * network failure, not an orderly MQTT disconnect) and closes each new connection at once until {@link #restore()}.
 * {@link #blackhole()} cuts too, but then accepts new connections and holds them without forwarding a byte, so that a
 * client's connect attempt hangs (as when packets are dropped) until {@link #restore()} closes them.
 * With a delay, every byte arrives that long after it was sent, in each direction (a delay line: bytes in flight do not
 * wait for each other, as on a network with that one-way latency), e.g. 8 ms each way as between a Fargate task and SQS.
 */
public final class TcpProxy implements AutoCloseable {

    private final ServerSocket server;
    private volatile int targetPort;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final Set<Socket> held = ConcurrentHashMap.newKeySet();
    private final AtomicInteger accepted = new AtomicInteger();
    private volatile boolean cut;
    private volatile boolean holding;
    private final long delayNanos;

    public TcpProxy(int targetPort) {
        this(targetPort, java.time.Duration.ZERO);
    }

    public TcpProxy(int targetPort, java.time.Duration delayEachWay) {
        this.targetPort = targetPort;
        this.delayNanos = delayEachWay.toNanos();
        try {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread acceptor = new Thread(this::acceptLoop, "tcp-proxy-" + port());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Connections accepted and forwarded so far (a reconnect shows up as one more). */
    public int forwardedConnections() {
        return accepted.get();
    }

    /** Connections accepted and held by {@link #blackhole()} so far, still open. */
    public int heldConnections() {
        return held.size();
    }

    /**
     * New connections go to {@code 127.0.0.1:port} from now on; those already open stay where they are (as after a
     * DNS change: a failover whose old primary keeps its sessions).
     */
    public void retarget(int port) {
        targetPort = port;
    }

    public void cut() {
        cut = true;
        closeAll(open);
    }

    public void blackhole() {
        holding = true;
        cut();
    }

    public void restore() {
        holding = false;
        cut = false;
        closeAll(held);
    }

    private static void closeAll(Set<Socket> sockets) {
        for (Socket s : sockets) {
            closeQuietly(s);
        }
        sockets.clear();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return;
            }
            if (holding) {
                held.add(client);
                continue;
            }
            if (cut) {
                closeQuietly(client);
                continue;
            }
            try {
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                // a network passes each segment on as it comes; a proxy that Nagles its own writes would hold a
                // small one back until the previous one is acknowledged (up to the peer's delayed ACK, 40 ms)
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                open.add(client);
                open.add(upstream);
                if (cut) { // cut() ran while this one was being connected
                    closeQuietly(client);
                    closeQuietly(upstream);
                    open.remove(client);
                    open.remove(upstream);
                    continue;
                }
                accepted.incrementAndGet();
                pump(client, upstream);
                pump(upstream, client);
            } catch (IOException e) {
                closeQuietly(client);
            }
        }
    }

    private void pump(Socket from, Socket to) {
        if (delayNanos > 0) {
            delayedPump(from, to);
            return;
        }
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[16384];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // the other direction or cut() closed the pair
            } finally {
                closePair(from, to);
            }
        }, "tcp-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    /** A reader stamps each chunk with its due time; a writer sends it when due. An empty chunk marks the end. */
    private void delayedPump(Socket from, Socket to) {
        record Chunk(long due, byte[] bytes) {
        }
        java.util.concurrent.LinkedBlockingQueue<Chunk> line = new java.util.concurrent.LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            byte[] buffer = new byte[16384];
            try (InputStream in = from.getInputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    line.add(new Chunk(System.nanoTime() + delayNanos, java.util.Arrays.copyOf(buffer, n)));
                }
            } catch (IOException e) {
                // closed
            } finally {
                line.add(new Chunk(System.nanoTime() + delayNanos, new byte[0]));
            }
        }, "tcp-proxy-delay-read");
        Thread writer = new Thread(() -> {
            try (OutputStream out = to.getOutputStream()) {
                while (true) {
                    Chunk chunk = line.take();
                    long wait = chunk.due() - System.nanoTime();
                    if (wait > 0) {
                        java.util.concurrent.locks.LockSupport.parkNanos(wait); // the latency itself
                    }
                    if (chunk.bytes().length == 0) {
                        return;
                    }
                    out.write(chunk.bytes());
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // closed
            } finally {
                closePair(from, to);
            }
        }, "tcp-proxy-delay-write");
        reader.setDaemon(true);
        writer.setDaemon(true);
        reader.start();
        writer.start();
    }

    private void closePair(Socket from, Socket to) {
        closeQuietly(from);
        closeQuietly(to);
        open.remove(from);
        open.remove(to);
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        cut();
        closeAll(held);
    }
}
