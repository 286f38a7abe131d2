#!/bin/sh
# Records SSH golden captures between network namespaces (client -- router -- server), capturing on the router.
# Real software: OpenSSH (sshd in the server namespace, ssh in the client namespace, public-key login).
#   Packages: apt-get install -y openssh-server openssh-client tcpdump wireshark-common iproute2
#   Command (as root, from the repository root):
#     sh distribution/src/test/lab/record-ssh.sh distribution/src/test/resources/golden
# Writes ssh-session.pcap (banners, both KEXINITs, key exchange, a short command; default algorithms) and
# ssh-weak.pcap (the same with diffie-hellman-group14-sha1 and aes128-cbc forced on both sides: raises
# ssh_weak_algorithms), each trimmed to 40 packets.
set -eu
OUT=$(cd "${1:?output directory}" && pwd -P)
N=fm$$
C=${N}c; R=${N}r; S=${N}s
TMP=$(mktemp -d)
PIDS=""
cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null || true; done
    sleep 0.5
    for ns in $C $R $S; do ip netns del "$ns" 2>/dev/null || true; done
    rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

ip netns add $C; ip netns add $R; ip netns add $S
ip link add ${N}a type veth peer name ${N}b
ip link add ${N}x type veth peer name ${N}y
ip link set ${N}a netns $C; ip link set ${N}b netns $R
ip link set ${N}x netns $R; ip link set ${N}y netns $S
ip -n $C addr add 10.212.1.2/24 dev ${N}a; ip -n $R addr add 10.212.1.1/24 dev ${N}b
ip -n $R addr add 10.212.2.1/24 dev ${N}x; ip -n $S addr add 10.212.2.2/24 dev ${N}y
for ns in $C $R $S; do ip -n $ns link set lo up; done
ip -n $C link set ${N}a up; ip -n $R link set ${N}b up; ip -n $R link set ${N}x up; ip -n $S link set ${N}y up
ip -n $C route add default via 10.212.1.1; ip -n $S route add default via 10.212.2.1
ip netns exec $R sysctl -qw net.ipv4.ip_forward=1

umask 077
ssh-keygen -q -t ed25519 -N '' -f "$TMP/host_ed25519"
ssh-keygen -q -t rsa -b 2048 -N '' -f "$TMP/host_rsa"
ssh-keygen -q -t ed25519 -N '' -f "$TMP/user"
cp "$TMP/user.pub" "$TMP/authorized_keys"
mkdir -p /run/sshd
cat > "$TMP/sshd_config" <<CFG
Port 2222
ListenAddress 10.212.2.2
HostKey $TMP/host_ed25519
HostKey $TMP/host_rsa
AuthorizedKeysFile $TMP/authorized_keys
StrictModes no
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PidFile $TMP/sshd.pid
KexAlgorithms +diffie-hellman-group14-sha1
Ciphers +aes128-cbc
CFG
ip netns exec $S /usr/sbin/sshd -D -f "$TMP/sshd_config" -E "$TMP/sshd.log" &
PIDS="$PIDS $!"
sleep 1

SSH="ssh -F none -i $TMP/user -p 2222 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes"
capture() { # name, packets to keep, then the command run in the client namespace
    name=$1; keep=$2; shift 2
    ip netns exec $R tcpdump -q -U -i ${N}b -w "$TMP/$name.pcap" tcp >/dev/null 2>&1 &
    tp=$!
    sleep 1
    "$@" || true
    sleep 1
    kill $tp; wait $tp 2>/dev/null || true
    editcap -r "$TMP/$name.pcap" "$OUT/$name.pcap" "1-$keep" >/dev/null
    echo "recorded $OUT/$name.pcap ($(wc -c < "$OUT/$name.pcap") bytes)"
}
capture ssh-session 40 ip netns exec $C $SSH root@10.212.2.2 true
capture ssh-weak 40 ip netns exec $C $SSH -oKexAlgorithms=diffie-hellman-group14-sha1 -oCiphers=aes128-cbc \
    root@10.212.2.2 true
