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
. "$(dirname "$0")/lab-lib.sh"
lab_up fm 10.212
C=$LAB_C R=$LAB_R S=$LAB_S TMP=$LAB_TMP

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
lab_bg ip netns exec $S /usr/sbin/sshd -D -f "$TMP/sshd_config" -E "$TMP/sshd.log"
lab_wait_port $S 2222

SSH="ssh -F none -i $TMP/user -p 2222 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes"
lab_record "$OUT/ssh-session.pcap" 40 tcp ip netns exec $C $SSH root@10.212.2.2 true
lab_record "$OUT/ssh-weak.pcap" 40 tcp ip netns exec $C $SSH -oKexAlgorithms=diffie-hellman-group14-sha1 \
    -oCiphers=aes128-cbc root@10.212.2.2 true
