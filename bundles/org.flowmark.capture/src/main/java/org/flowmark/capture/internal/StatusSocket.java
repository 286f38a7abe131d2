package org.flowmark.capture.internal;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * The local status endpoint of {@code flowmark run}: a Unix domain socket at the framework property
 * {@value #SOCKET_PROPERTY} (the launcher sets {@code <data>/flowmark.sock}), mode 0660 so only root, the agent's
 * user and its group can connect. Protocol: the client sends one line naming a command ({@code status},
 * {@code stats}, {@code flows}, {@code detectors}, {@code services}; empty means status), the agent answers with
 * text and closes. One client at a time on one thread; a client gets {@value #CLIENT_MILLIS} ms to send its line.
 */
@Component(immediate = true)
public final class StatusSocket {
    static final String SOCKET_PROPERTY = "flowmark.status.socket";
    static final int CLIENT_MILLIS = 2000;
    private static final int MAX_REQUEST = 256;

    private final Logger log;
    private final FlowmarkCommands commands;
    private final Path path;
    private final ServerSocketChannel server;
    private final Thread thread;
    private volatile boolean running = true;

    @Activate
    public StatusSocket(BundleContext context, @Reference StatusService status,
            @Reference(service = LoggerFactory.class) Logger log) {
        this.log = log;
        this.commands = new FlowmarkCommands(status);
        String p = context.getProperty(SOCKET_PROPERTY);
        if (p == null || p.isBlank() || !"run".equals(context.getProperty("flowmark.mode"))) {
            path = null;
            server = null;
            thread = null;
            return;
        }
        path = Path.of(p);
        ServerSocketChannel s = null;
        try {
            Files.createDirectories(path.toAbsolutePath().getParent());
            if (Files.exists(path) && !alive(path)) {
                Files.delete(path); // left by an agent that died
            }
            s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            s.bind(UnixDomainSocketAddress.of(path));
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw----"));
        } catch (IOException | RuntimeException e) {
            log.error("status socket {} not available ({}); 'flowmark status' will not reach this agent", path,
                    e.toString());
            close(s);
            s = null;
        }
        server = s;
        if (s != null) {
            thread = new Thread(this::serve, "flowmark-status");
            thread.setDaemon(true);
            thread.start();
            log.info("status on {}", path);
        } else {
            thread = null;
        }
    }

    /** True when another agent answers on {@code p}: then the socket is not ours to delete. */
    private static boolean alive(Path p) {
        try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(p))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Deactivate
    void deactivate() {
        running = false;
        if (server != null) {
            close(server);
            try {
                thread.join(CLIENT_MILLIS + 1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            try {
                Files.deleteIfExists(path);
            } catch (IOException e) {
                // gone already or not ours
            }
        }
    }

    private void serve() {
        while (running) {
            try (SocketChannel c = server.accept()) {
                answer(c);
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException | RuntimeException e) {
                if (running) {
                    log.warn("status client: {}", e.toString());
                }
            }
        }
    }

    private void answer(SocketChannel c) throws IOException {
        c.configureBlocking(false);
        ByteBuffer in = ByteBuffer.allocate(MAX_REQUEST);
        long deadline = System.nanoTime() + CLIENT_MILLIS * 1_000_000L;
        int nl = -1;
        while (nl < 0 && in.hasRemaining() && System.nanoTime() < deadline && running) {
            int n = c.read(in);
            if (n < 0) {
                break;
            }
            for (int i = 0; i < in.position(); i++) {
                if (in.get(i) == '\n') {
                    nl = i;
                    break;
                }
            }
            if (n == 0 && nl < 0) {
                sleep();
            }
        }
        String request = new String(in.array(), 0, nl >= 0 ? nl : in.position(), StandardCharsets.UTF_8).trim();
        String answer = commands.run(request);
        if (answer == null) {
            answer = "error: unknown status command '" + request + "' (status, stats, flows, detectors, services)\n";
        }
        ByteBuffer out = ByteBuffer.wrap(answer.getBytes(StandardCharsets.UTF_8));
        while (out.hasRemaining() && System.nanoTime() < deadline + CLIENT_MILLIS * 1_000_000L) {
            if (c.write(out) == 0) {
                sleep();
            }
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(5);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void close(java.io.Closeable c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException e) {
                // closing
            }
        }
    }
}
