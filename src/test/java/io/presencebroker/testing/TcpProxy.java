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
 */
public final class TcpProxy implements AutoCloseable {

    private final ServerSocket server;
    private volatile int targetPort;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final Set<Socket> held = ConcurrentHashMap.newKeySet();
    private final AtomicInteger accepted = new AtomicInteger();
    private volatile boolean cut;
    private volatile boolean holding;

    public TcpProxy(int targetPort) {
        this.targetPort = targetPort;
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
                closeQuietly(from);
                closeQuietly(to);
                open.remove(from);
                open.remove(to);
            }
        }, "tcp-proxy-pump");
        t.setDaemon(true);
        t.start();
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
