package org.flowmark.actuator.ctmark.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;

/**
 * A ctnetlink socket ({@code AF_NETLINK}, {@code NETLINK_NETFILTER}) through JNA on libc: a batch of mark updates
 * goes out in as few {@code send} calls as fit the socket buffer, and every request is acknowledged (its
 * {@code seq} with an errno, 0 for success). {@code NETLINK_CAP_ACK} keeps error acks short. The socket belongs to
 * the network namespace of the thread that opened it. One user thread.
 *
 * <p>Why not libnetfilter_conntrack or a {@code conntrack} process: both speak the same ctnetlink to the same
 * kernel module, so they add no capability, only a library dependency or a process and pipe per batch.
 */
final class CtNetlink implements CtChannel {


    /** The libc calls used. */
    public interface LibC extends Library {
        int socket(int domain, int type, int protocol) throws LastErrorException;

        int bind(int fd, byte[] addr, int len) throws LastErrorException;

        int setsockopt(int fd, int level, int name, byte[] value, int len) throws LastErrorException;

        long send(int fd, byte[] buf, long len, int flags) throws LastErrorException;

        long recv(int fd, byte[] buf, long len, int flags) throws LastErrorException;

        int close(int fd);
    }

    static final int AF_NETLINK = 16;
    static final int SOCK_RAW = 3;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int NETLINK_NETFILTER = 12;
    static final int SOL_SOCKET = 1;
    static final int SO_RCVBUF = 8;
    static final int SO_RCVTIMEO = 20;
    static final int SOL_NETLINK = 270;
    static final int NETLINK_CAP_ACK = 10;

    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int EAGAIN = 11;
    static final int EOPNOTSUPP = 95;
    static final int EPROTONOSUPPORT = 93;

    private static final int SEND_CHUNK = 64 * 1024;

    private final LibC libc;
    private int fd;
    private int seq = (int) (System.nanoTime() & 0x3fffffff);
    private final byte[] sendBuf = new byte[SEND_CHUNK + CtMessage.MAX_SIZE];
    private final byte[] recvBuf = new byte[256 * 1024];

    private CtNetlink(LibC libc, int fd) {
        this.libc = libc;
        this.fd = fd;
    }

    /** Opens the socket; a clear message when that is not possible here. */
    static CtNetlink open() throws CtChannel.CtException {
        LibC libc;
        try {
            libc = Native.load("c", LibC.class);
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            throw new CtException("cannot load libc through JNA: " + e.getMessage(), 0);
        }
        int fd;
        try {
            fd = libc.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
        } catch (LastErrorException e) {
            throw new CtException(e.getErrorCode() == EPROTONOSUPPORT
                    ? "no nfnetlink in the kernel (modprobe nfnetlink nf_conntrack_netlink)"
                    : "cannot open a netfilter netlink socket: " + e.getMessage(), e.getErrorCode());
        }
        try {
            byte[] sa = new byte[12];
            ByteBuffer.wrap(sa).order(ByteOrder.nativeOrder()).putShort((short) AF_NETLINK);
            libc.bind(fd, sa, sa.length);
            libc.setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, intBytes(1), 4);
            libc.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, intBytes(1 << 20), 4);
            byte[] tv = new byte[16];
            ByteBuffer.wrap(tv).order(ByteOrder.nativeOrder()).putLong(2).putLong(0); // 2 s: never hang
            libc.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, tv, tv.length);
        } catch (LastErrorException e) {
            libc.close(fd);
            throw new CtException("cannot set up the netlink socket: " + e.getMessage(), e.getErrorCode());
        }
        return new CtNetlink(libc, fd);
    }

    private static byte[] intBytes(int v) {
        byte[] b = new byte[4];
        ByteBuffer.wrap(b).order(ByteOrder.nativeOrder()).putInt(v);
        return b;
    }

    @Override
    public int[] setMarks(List<Request> requests) throws CtChannel.CtException {
        int[] result = new int[requests.size()];
        Arrays.fill(result, Integer.MIN_VALUE);
        int i = 0;
        while (i < requests.size()) {
            ByteBuffer buf = ByteBuffer.wrap(sendBuf).order(ByteOrder.nativeOrder());
            int first = i;
            int firstSeq = seq;
            while (i < requests.size() && buf.position() < SEND_CHUNK) {
                Request r = requests.get(i);
                CtMessage.setMark(buf, seq++, r.tuple(), r.replyDirection(), r.mark(), r.mask());
                i++;
            }
            try {
                libc.send(fd, sendBuf, buf.position(), 0);
            } catch (LastErrorException e) {
                throw new CtException("netlink send failed: " + e.getMessage(), e.getErrorCode());
            }
            receiveAcks(result, first, firstSeq, i - first);
        }
        return result;
    }

    private void receiveAcks(int[] result, int first, int firstSeq, int count) throws CtException {
        int pending = count;
        while (pending > 0) {
            long n;
            try {
                n = libc.recv(fd, recvBuf, recvBuf.length, 0);
            } catch (LastErrorException e) {
                if (e.getErrorCode() == EAGAIN) {
                    throw new CtException("no answer from ctnetlink within 2 s (" + pending + " requests pending)",
                            EAGAIN);
                }
                throw new CtException("netlink recv failed: " + e.getMessage(), e.getErrorCode());
            }
            ByteBuffer b = ByteBuffer.wrap(recvBuf, 0, (int) n).order(ByteOrder.nativeOrder());
            int at = 0;
            while (at + CtMessage.HEADER <= n) {
                int len = b.getInt(at);
                int type = b.getShort(at + 4) & 0xffff;
                int s = b.getInt(at + 8);
                if (len < CtMessage.HEADER || at + len > n) {
                    break;
                }
                if (type == CtMessage.NLMSG_ERROR && len >= CtMessage.HEADER + 4) {
                    int idx = s - firstSeq;
                    if (idx >= 0 && idx < count && result[first + idx] == Integer.MIN_VALUE) {
                        result[first + idx] = -b.getInt(at + CtMessage.HEADER);
                        pending--;
                    }
                }
                at += (len + 3) & ~3;
            }
        }
    }

    @Override
    public void close() {
        if (fd >= 0) {
            libc.close(fd);
            fd = -1;
        }
    }
}
