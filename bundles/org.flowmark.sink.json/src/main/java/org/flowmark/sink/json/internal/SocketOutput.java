package org.flowmark.sink.json.internal;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import org.flowmark.sink.json.internal.SinkRecord.Format;
import org.flowmark.sink.json.internal.SinkRecord.Kind;
import org.osgi.service.log.Logger;

/**
 * A stream server (Unix domain socket or TCP on 127.0.0.1) sending every line to every connected client.
 *
 * <p>Threads: the output's writer ({@code flowmark-json-<name>}) encodes each line once and offers it to each
 * client's own bounded queue; an acceptor ({@code -accept}) takes connections; one sender per client
 * ({@code -client-<n>}) writes that client's queue with blocking writes. A client that reads too slowly fills only
 * its own queue: its lines are dropped and counted for it (logged once per burst), the agent and the other clients
 * never wait. What clients send is ignored; a client is removed when a write to it fails.
 *
 * <p>Unix sockets: a stale socket file (no one listening) is removed before binding; a live one, or a path that is
 * not a socket, is an error. The socket file gets mode 0660 and is removed on close. A failed bind is logged and
 * retried every five seconds.
 */
final class SocketOutput extends QueuedOutput {

    /** Connections beyond this are closed at once. */
    static final int MAX_CLIENTS = 64;
    /** A client whose sender makes no progress for this long is not waited for by a drain. */
    static final long STALL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** Upper bound of the time a drain or close waits for clients to catch up. */
    static final long CLIENT_WAIT_NANOS = TimeUnit.SECONDS.toNanos(2);

    private static final byte[] HEADER_BYTES = (TableFormat.HEADER + "\n").getBytes(StandardCharsets.UTF_8);

    private final Path unixPath;
    private final int tcpPort;
    private final int clientQueueSize;
    private final Thread acceptor;
    private final CountDownLatch stopping = new CountDownLatch(1);
    private final CopyOnWriteArrayList<Client> clients = new CopyOnWriteArrayList<>();
    /** Every sender thread started (also of clients gone since), so close can join them all. */
    private final List<Thread> senders = java.util.Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger clientSeq = new AtomicInteger();
    private final LongAdder clientDrops = new LongAdder();
    private volatile ServerSocketChannel server;
    private volatile SocketAddress boundAddress;

    /**
     * @param unixPath        socket path for a Unix domain socket, or null for TCP
     * @param tcpPort         TCP port on 127.0.0.1 (0: any free port) when {@code unixPath} is null
     * @param clientQueueSize lines buffered per client
     */
    SocketOutput(String name, Path unixPath, int tcpPort, Format format, Set<Kind> include, int queueSize,
            int clientQueueSize, boolean backpressure, Logger log) {
        super(name, format, include, queueSize, backpressure, log);
        if (unixPath == null && (tcpPort < 0 || tcpPort > 65535)) {
            throw new IllegalArgumentException("JSON output " + name + ": port must be 0..65535, got " + tcpPort);
        }
        if (clientQueueSize < 1) {
            throw new IllegalArgumentException("JSON output " + name + ": client queue size must be >= 1");
        }
        this.unixPath = unixPath;
        this.tcpPort = tcpPort;
        this.clientQueueSize = clientQueueSize;
        this.acceptor = new Thread(this::acceptLoop, threadName("-accept"));
        this.acceptor.setDaemon(true);
    }

    /** The address listened on, or null while not bound. */
    SocketAddress boundAddress() {
        return boundAddress;
    }

    /** Clients connected now. */
    int clientCount() {
        return clients.size();
    }

    /** Lines dropped for slow clients since start (all clients, present and gone). */
    long clientDrops() {
        return clientDrops.sum();
    }

    /** Per-client drop counts of the clients connected now, in connection order. */
    List<Long> clientDropCounts() {
        List<Long> l = new ArrayList<>();
        for (Client c : clients) {
            l.add(c.dropped.sum());
        }
        return l;
    }

    @Override
    protected void opened() {
        acceptor.start();
    }

    @Override
    protected void write(String line) {
        if (clients.isEmpty()) {
            return;
        }
        byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
        for (Client c : clients) {
            c.offer(bytes);
        }
    }

    @Override
    protected void flush() {
        // senders write as soon as they have data
    }

    @Override
    protected boolean awaitDelivered(long deadlineNanos) {
        long limit = Math.min(deadlineNanos, System.nanoTime() + CLIENT_WAIT_NANOS);
        for (Client c : clients) {
            long seen = c.written;
            long progressAt = System.nanoTime();
            while (!c.dead && c.written < c.enqueued && !c.dropping.get()) {
                long now = System.nanoTime();
                if (now - limit >= 0) {
                    return false;
                }
                if (c.written != seen) {
                    seen = c.written;
                    progressAt = now;
                } else if (now - progressAt > STALL_NANOS) {
                    break; // stalled reader: do not hold the agent for it (its lines drop when its queue fills)
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
        }
        return true;
    }

    private ServerSocketChannel bind() throws IOException {
        if (unixPath != null) {
            removeStale(unixPath);
            ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                s.bind(UnixDomainSocketAddress.of(unixPath));
            } catch (IOException e) {
                s.close();
                throw e;
            }
            try {
                Files.setPosixFilePermissions(unixPath, PosixFilePermissions.fromString("rw-rw----"));
            } catch (IOException | UnsupportedOperationException e) {
                log.warn("JSON output {}: cannot set mode 0660 on {}: {}", name, unixPath, e.toString());
            }
            return s;
        }
        ServerSocketChannel s = ServerSocketChannel.open();
        try {
            s.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            s.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), tcpPort));
        } catch (IOException e) {
            s.close();
            throw e;
        }
        return s;
    }

    /** Removes a socket file no one listens on; refuses to touch a live socket or a non-socket file. */
    private void removeStale(Path p) throws IOException {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!isSocketFile(p)) {
            throw new IOException(p + " exists and is not a socket; not removing it");
        }
        try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(p))) {
            throw new IOException("another process is listening on " + p);
        } catch (ConnectException e) {
            Files.delete(p);
            log.info("JSON output {}: removed stale socket file {}", name, p);
        }
    }

    private static boolean isSocketFile(Path p) {
        try {
            Object mode = Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            return (((Integer) mode) & 0170000) == 0140000;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | ClassCastException e) {
            try {
                return Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class,
                        LinkOption.NOFOLLOW_LINKS).isOther();
            } catch (IOException e2) {
                return false;
            }
        }
    }

    private String where() {
        return unixPath != null ? unixPath.toString() : "127.0.0.1:" + tcpPort;
    }

    private void acceptLoop() {
        boolean bindFailing = false;
        try {
            while (stopping.getCount() > 0) {
                ServerSocketChannel s = server;
                if (s == null) {
                    try {
                        s = bind();
                        boundAddress = s.getLocalAddress();
                        server = s;
                        if (stopping.getCount() == 0) {
                            break;
                        }
                        log.info("JSON output {}: listening on {}", name, unixPath != null ? unixPath : boundAddress);
                        bindFailing = false;
                    } catch (IOException | RuntimeException e) {
                        if (!bindFailing) {
                            bindFailing = true;
                            log.error("JSON output {}: cannot listen on {}: {}; retrying every {} s", name, where(),
                                    e.toString(), TimeUnit.NANOSECONDS.toSeconds(retryNanos));
                        }
                        stopping.await(retryNanos, TimeUnit.NANOSECONDS);
                        continue;
                    }
                }
                SocketChannel ch;
                try {
                    ch = s.accept();
                } catch (ClosedChannelException e) {
                    break;
                } catch (IOException e) {
                    log.warn("JSON output {}: accept failed: {}", name, e.toString());
                    stopping.await(100, TimeUnit.MILLISECONDS);
                    continue;
                }
                if (clients.size() >= MAX_CLIENTS) {
                    log.warn("JSON output {}: {} clients already connected, refusing one more", name, MAX_CLIENTS);
                    closeQuietly(ch);
                    continue;
                }
                Client c = new Client(ch, clientSeq.incrementAndGet());
                clients.add(c);
                synchronized (senders) {
                    senders.removeIf(t -> !t.isAlive());
                    senders.add(c.thread);
                }
                c.thread.start();
                log.info("JSON output {}: client {} connected", name, c.id);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    protected void releaseResources() {
        stopping.countDown();
        ServerSocketChannel s = server;
        if (s != null) {
            closeQuietly(s);
        }
        acceptor.interrupt();
        join(acceptor, 1000);
        // let clients take what is already queued for them, bounded
        long deadline = closeDeadlineNanos != 0 ? closeDeadlineNanos : System.nanoTime();
        awaitDelivered(Math.max(deadline, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200)));
        for (Client c : clients) {
            c.stop();
        }
        List<Thread> threads;
        synchronized (senders) {
            threads = new ArrayList<>(senders);
            senders.clear();
        }
        for (Thread t : threads) {
            join(t, 1000);
        }
        clients.clear();
        if (unixPath != null && s != null) {
            try {
                Files.deleteIfExists(unixPath);
            } catch (IOException e) {
                log.warn("JSON output {}: cannot remove socket file {}: {}", name, unixPath, e.toString());
            }
        }
    }

    @Override
    protected void abortIo() {
        releaseResources();
    }

    private void join(Thread t, long millis) {
        try {
            t.join(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) {
            log.warn("JSON output {}: thread {} did not stop", name, t.getName());
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            // nothing more to do with a channel being dropped
        }
    }

    /** One connected client: its bounded queue and sender thread. */
    private final class Client {
        final int id;
        final SocketChannel ch;
        final ArrayBlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(clientQueueSize);
        final Thread thread;
        final LongAdder dropped = new LongAdder();
        final AtomicBoolean dropping = new AtomicBoolean();
        /** Lines queued for this client; written by the output's writer thread only. */
        volatile long enqueued;
        /** Lines written to the socket; written by the sender only. */
        volatile long written;
        volatile boolean dead;

        Client(SocketChannel ch, int id) {
            this.ch = ch;
            this.id = id;
            this.thread = new Thread(this::send, threadName("-client-" + id));
            this.thread.setDaemon(true);
            if (format == Format.TABLE) {
                queue.offer(HEADER_BYTES);
                enqueued++;
            }
        }

        void offer(byte[] line) {
            if (dead) {
                return;
            }
            if (queue.offer(line)) {
                enqueued++;
                if (dropping.get() && dropping.compareAndSet(true, false)) {
                    log.info("JSON output {}: client {} caught up, {} lines dropped for it so far", name, id,
                            dropped.sum());
                }
            } else {
                dropped.increment();
                clientDrops.increment();
                if (!dropping.get() && dropping.compareAndSet(false, true)) {
                    log.warn("JSON output {}: client {} reads too slowly, dropping lines for it", name, id);
                }
            }
        }

        void stop() {
            dead = true;
            thread.interrupt();
            closeQuietly(ch);
        }

        private void send() {
            List<byte[]> batch = new ArrayList<>(64);
            ByteBuffer[] bufs = new ByteBuffer[64];
            try {
                while (!dead) {
                    batch.add(queue.take());
                    queue.drainTo(batch, bufs.length - 1);
                    int n = batch.size();
                    for (int i = 0; i < n; i++) {
                        bufs[i] = ByteBuffer.wrap(batch.get(i));
                    }
                    int from = 0;
                    while (from < n) {
                        ch.write(bufs, from, n - from);
                        while (from < n && !bufs[from].hasRemaining()) {
                            from++;
                        }
                    }
                    written += n;
                    batch.clear();
                    java.util.Arrays.fill(bufs, 0, n, null);
                }
            } catch (InterruptedException | ClosedChannelException e) {
                // stopping
            } catch (IOException e) {
                log.info("JSON output {}: client {} disconnected ({}), {} lines dropped for it", name, id,
                        e.getMessage(), dropped.sum());
            } finally {
                dead = true;
                closeQuietly(ch);
                clients.remove(this);
            }
        }
    }
}
