package org.flowmark.testkit;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.sun.jna.Library;
import com.sun.jna.Native;

/**
 * A three-namespace router lab for the actuators' integration tests: client (10.77.1.2, fd77:1::2) - router (LAN
 * {@code lan0}, WAN {@code wan0}, forwarding on) - server (10.77.2.2, fd77:2::2, running {@code python3 -m
 * http.server 8080}, and a TCP echo server on 9000 once {@link Conversations} are opened). Names are unique per
 * run; {@link #close} kills what runs in the namespaces and removes them. {@link #inRouter} runs code on a thread
 * that has entered the router's network namespace (setns), so in-process netlink (libnftables, ctnetlink) acts on
 * the router. Every command runs with a timeout. Needs root, iproute2, python3 and curl: check
 * {@link #unavailable} first and skip the test with its reason.
 */
public final class NetnsLab implements AutoCloseable {

    public static final String CLIENT_IP = "10.77.1.2";
    public static final String SERVER_IP = "10.77.2.2";
    public static final String CLIENT_IP6 = "fd77:1::2";
    public static final String SERVER_IP6 = "fd77:2::2";
    public static final int HTTP_PORT = 8080;
    public static final int ECHO_PORT = 9000;
    /** Timeout of one command. */
    private static final long EXEC_TIMEOUT_SECONDS = 20;

    /** The libc calls to enter a namespace. */
    interface LibC extends Library {
        int open(String path, int flags);

        int setns(int fd, int nstype);

        int close(int fd);
    }

    private static final int CLONE_NEWNET = 0x40000000;

    /** Per-run suffix of the namespace names. */
    public final String id = Integer.toHexString(0x1000 + ThreadLocalRandom.current().nextInt(0xefff));
    /** Namespace names. */
    public final String client = "fmc-" + id;
    public final String router = "fmr-" + id;
    public final String server = "fms-" + id;
    private final List<String> namespaces = new ArrayList<>();
    private Process http;
    private Process echo;
    private final List<Process> clients = new ArrayList<>();
    private ExecutorService routerThread;

    /** Why the lab cannot run here (not root, a tool missing from the PATH), or null. */
    public static String unavailable(String... tools) {
        if (!"root".equals(System.getProperty("user.name"))) {
            return "not root (lab tests need root for network namespaces)";
        }
        for (String t : tools) {
            if (onPath(t) == null) {
                return "'" + t + "' not installed";
            }
        }
        return null;
    }

    /** The executable's absolute path on the PATH (plus /usr/sbin, /sbin), or null. */
    public static String onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
                .concat(":/usr/sbin:/sbin").split(File.pathSeparator)) {
            File f = new File(dir, program);
            if (f.canExecute()) {
                return f.getAbsolutePath();
            }
        }
        return null;
    }

    /** Creates the namespaces and links and starts the HTTP server; on any failure cleans up and throws. */
    public NetnsLab start() throws Exception {
        try {
            for (String ns : List.of(client, router, server)) {
                sh("ip", "netns", "add", ns);
                namespaces.add(ns);
                sh("ip", "-n", ns, "link", "set", "lo", "up");
            }
            sh("ip", "-n", client, "link", "add", "c0", "type", "veth", "peer", "name", "lan0", "netns", router);
            sh("ip", "-n", server, "link", "add", "s0", "type", "veth", "peer", "name", "wan0", "netns", router);
            addr(client, "c0", "10.77.1.2/24", "fd77:1::2/64");
            addr(router, "lan0", "10.77.1.1/24", "fd77:1::1/64");
            addr(router, "wan0", "10.77.2.1/24", "fd77:2::1/64");
            addr(server, "s0", "10.77.2.2/24", "fd77:2::2/64");
            sh("ip", "-n", client, "route", "add", "default", "via", "10.77.1.1");
            sh("ip", "-n", client, "-6", "route", "add", "default", "via", "fd77:1::1");
            sh("ip", "-n", server, "route", "add", "default", "via", "10.77.2.1");
            sh("ip", "-n", server, "-6", "route", "add", "default", "via", "fd77:2::1");
            sh("ip", "netns", "exec", router, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
            sh("ip", "netns", "exec", router, "sysctl", "-q", "-w", "net.ipv6.conf.all.forwarding=1");
            http = new ProcessBuilder("ip", "netns", "exec", server, "python3", "-m", "http.server",
                    String.valueOf(HTTP_PORT), "--bind", "::").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            long deadline = System.currentTimeMillis() + 10_000;
            while (!curlOk(40000)) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("http server in " + server + " did not come up");
                }
                Thread.sleep(100);
            }
            return this;
        } catch (Exception e) {
            close();
            throw e;
        }
    }

    private void addr(String ns, String dev, String v4, String v6) throws IOException {
        sh("ip", "-n", ns, "addr", "add", v4, "dev", dev);
        sh("ip", "-n", ns, "addr", "add", v6, "dev", dev, "nodad");
        sh("ip", "-n", ns, "link", "set", dev, "up");
    }

    private static final String ECHO_SERVER = String.join("\n",
            "import socketserver",
            "class H(socketserver.BaseRequestHandler):",
            "    def handle(self):",
            "        while True:",
            "            d = self.request.recv(65536)",
            "            if not d: return",
            "            self.request.sendall(d)",
            "socketserver.ThreadingTCPServer.allow_reuse_address = True",
            "socketserver.ThreadingTCPServer.daemon_threads = True",
            "socketserver.ThreadingTCPServer(('0.0.0.0', " + ECHO_PORT + "), H).serve_forever()");

    private static final String CLIENT = String.join("\n",
            "import socket, sys",
            "base, n = int(sys.argv[1]), int(sys.argv[2])",
            "socks = []",
            "import time",
            "for i in range(n):",
            "    for attempt in range(50):",
            "        s = socket.socket()",
            "        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
            "        s.bind(('" + CLIENT_IP + "', base + i))",
            "        try:",
            "            s.connect(('" + SERVER_IP + "', " + ECHO_PORT + "))",
            "            break",
            "        except OSError:",
            "            s.close()",
            "            time.sleep(0.1)",
            "    socks.append(s)",
            "print('connected', flush=True)",
            "for line in sys.stdin:",
            "    which, count = line.split()",
            "    for i in range(n) if which == 'all' else [int(which)]:",
            "        for k in range(int(count)):",
            "            socks[i].sendall(b'x' * 100)",
            "            got = 0",
            "            while got < 100: got += len(socks[i].recv(4096))",
            "    print('ok', flush=True)");

    /** Long-lived TCP connections from the client to the echo server, from local ports base..base+n-1. */
    public final class Conversations {
        private final Process p;
        private final java.io.BufferedReader out;
        private final java.io.Writer in;

        private Conversations(int base, int n) throws IOException {
            startEcho();
            p = new ProcessBuilder("ip", "netns", "exec", client, "python3", "-c", CLIENT, String.valueOf(base),
                    String.valueOf(n)).redirectErrorStream(true).start();
            clients.add(p);
            out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8));
            in = new java.io.OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8);
            String first = out.readLine();
            if (!"connected".equals(first)) {
                throw new IOException("client connections failed: " + first);
            }
        }

        /** {@code count} request/response exchanges on connection {@code index} (-1: all). */
        public void exchange(int index, int count) throws IOException {
            in.write((index < 0 ? "all" : String.valueOf(index)) + " " + count + "\n");
            in.flush();
            String line = out.readLine();
            if (!"ok".equals(line)) {
                throw new IOException("client exchange failed: " + line);
            }
        }

        public void close() {
            p.destroyForcibly();
        }
    }

    /**
     * Opens {@code n} long-lived TCP connections from the client to the server's echo port, from local ports
     * {@code base..base+n-1} (the echo server starts on first use; the client retries while it comes up).
     */
    public Conversations conversations(int base, int n) throws IOException {
        return new Conversations(base, n);
    }

    private synchronized void startEcho() throws IOException {
        if (echo == null) {
            echo = new ProcessBuilder("ip", "netns", "exec", server, "python3", "-c", ECHO_SERVER)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        }
    }

    /** One HTTP request from the client, from a chosen local port; true on HTTP 200. */
    public boolean curlOk(int localPort) throws IOException {
        return curl(localPort, false).trim().equals("200");
    }

    /** One HTTP request from the client (IPv4 or IPv6) from a chosen local port; curl's status code text. */
    public String curl(int localPort, boolean v6) throws IOException {
        String url = v6 ? "http://[" + SERVER_IP6 + "]:" + HTTP_PORT + "/" : "http://" + SERVER_IP + ":" + HTTP_PORT
                + "/";
        return exec(List.of("ip", "netns", "exec", client, "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                "--max-time", "5", "--local-port", String.valueOf(localPort), "-H", "Host: example.test", url), true);
    }

    /** Runs a command in the router namespace; its output (throws on a non-zero exit). */
    public String router(String... cmd) throws IOException {
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", router));
        c.addAll(List.of(cmd));
        return exec(c, false);
    }

    /** Runs {@code task} on the router thread (created on first use; it lives in the router's namespace). */
    public <T> T inRouter(Callable<T> task) throws Exception {
        if (routerThread == null) {
            String nsPath = "/run/netns/" + router;
            routerThread = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(() -> {
                    LibC libc = Native.load("c", LibC.class);
                    int fd = libc.open(nsPath, 0);
                    if (fd < 0 || libc.setns(fd, CLONE_NEWNET) != 0) {
                        throw new IllegalStateException("setns " + nsPath + " failed: errno " + Native.getLastError());
                    }
                    libc.close(fd);
                    r.run();
                }, "lab-router-" + id);
                t.setDaemon(true);
                return t;
            });
        }
        Future<T> f = routerThread.submit(task);
        return f.get(60, TimeUnit.SECONDS);
    }

    /** Runs a command on the host; its output (throws on a non-zero exit or the timeout). */
    public static String sh(String... cmd) throws IOException {
        return exec(List.of(cmd), false);
    }

    /** Runs a command with a timeout; its output; a non-zero exit throws unless {@code lenient}. */
    public static String exec(List<String> cmd, boolean lenient) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        // read on another thread: a command that hangs with its output open must still time out
        CompletableFuture<byte[]> output = CompletableFuture.supplyAsync(() -> {
            try {
                return p.getInputStream().readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        String out;
        try {
            if (!p.waitFor(EXEC_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new IOException("timeout after " + EXEC_TIMEOUT_SECONDS + " s: " + String.join(" ", cmd));
            }
            out = new String(output.get(EXEC_TIMEOUT_SECONDS, TimeUnit.SECONDS), StandardCharsets.UTF_8);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("reading the output of " + String.join(" ", cmd) + " failed", e);
        }
        if (p.exitValue() != 0 && !lenient) {
            throw new IOException(String.join(" ", cmd) + " exited " + p.exitValue() + ": " + out.trim());
        }
        return out;
    }

    @Override
    public void close() {
        if (routerThread != null) {
            routerThread.shutdownNow();
        }
        for (Process p : clients) {
            p.destroyForcibly();
        }
        if (echo != null) {
            echo.destroyForcibly();
        }
        if (http != null) {
            http.descendants().forEach(ProcessHandle::destroyForcibly);
            http.destroyForcibly();
        }
        for (String ns : namespaces) {
            try {
                exec(List.of("ip", "netns", "pids", ns), true).lines().forEach(pid -> {
                    try {
                        exec(List.of("kill", "-9", pid.trim()), true);
                    } catch (IOException e) {
                        // best effort
                    }
                });
                exec(List.of("ip", "netns", "del", ns), true);
            } catch (IOException e) {
                // best effort
            }
        }
    }
}
