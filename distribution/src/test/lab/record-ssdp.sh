#!/bin/sh
# Records an SSDP golden capture over a veth between two network namespaces (SSDP multicast stays on its link:
# the "router" namespace runs the device and the capture). Real packets through the kernel from two small Python
# socket programs written below: a UPnP device that joins 239.255.255.250 and ff02::c, announces itself with
# NOTIFY ssdp:alive and answers M-SEARCH with unicast 200 OK responses, and a control point that searches.
#   Packages: apt-get install -y python3 tcpdump wireshark-common iproute2
#   Command (as root, from the repository root):
#     sh distribution/src/test/lab/record-ssdp.sh distribution/src/test/resources/golden
# Writes ssdp-discovery.pcap: NOTIFY to 239.255.255.250:1900, M-SEARCH (ssdp:all and an InternetGatewayDevice
# search) to 239.255.255.250:1900 and to [ff02::c]:1900 with their unicast responses, and a unicast M-SEARCH.
set -eu
OUT=$(cd "${1:?output directory}" && pwd -P)
. "$(dirname "$0")/lab-lib.sh"
lab_up -2 fm 10.218
C=$LAB_C R=$LAB_R TMP=$LAB_TMP
ip -n $C route add 239.0.0.0/8 dev $LAB_CIF; ip -n $R route add 239.0.0.0/8 dev $LAB_RCIF
sleep 2 # IPv6 link-local addresses

cat > "$TMP/device.py" <<'PY'
import socket, struct, sys, time
ifname, addr, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
idx = socket.if_nametoindex(ifname)
UUID = "uuid:2fac1234-31f8-11b4-a222-08002b34c003"
SERVER = "Linux/6.1 UPnP/1.1 flowmark-lab-device/1.0"
LOCATION = "http://%s:49152/rootDesc.xml" % addr
def response(st):
    return ("HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=1800\r\nEXT:\r\nLOCATION: %s\r\nSERVER: %s\r\nST: %s\r\n"
            "USN: %s::%s\r\nBOOTID.UPNP.ORG: 1\r\n\r\n" % (LOCATION, SERVER, st, UUID, st)).encode()
s4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s4.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s4.bind(("", 1900))
s4.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, socket.inet_aton("239.255.255.250") + socket.inet_aton(addr))
s4.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(addr))
s6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s6.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
s6.bind(("::", 1900))
s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, socket.inet_pton(socket.AF_INET6, "ff02::c") + struct.pack("@I", idx))
notify = ("NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nCACHE-CONTROL: max-age=1800\r\nLOCATION: %s\r\n"
          "NT: upnp:rootdevice\r\nNTS: ssdp:alive\r\nSERVER: %s\r\nUSN: %s::upnp:rootdevice\r\nBOOTID.UPNP.ORG: 1\r\n"
          "CONFIGID.UPNP.ORG: 1\r\n\r\n" % (LOCATION, SERVER, UUID)).encode()
out = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
out.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(addr))
out.sendto(notify, ("239.255.255.250", 1900))
end = time.time() + seconds
import select
while time.time() < end:
    r, _, _ = select.select([s4, s6], [], [], 0.2)
    for s in r:
        data, peer = s.recvfrom(2048)
        if not data.startswith(b"M-SEARCH * HTTP/1.1\r\n"):
            continue
        st = "upnp:rootdevice"
        for line in data.decode("latin-1").split("\r\n"):
            if line.lower().startswith("st:"):
                st = line[3:].strip()
        if st == "ssdp:all":
            st = "upnp:rootdevice"
        s.sendto(response(st), peer)
PY
cat > "$TMP/search.py" <<'PY'
import socket, sys, time
ifname, target, family = sys.argv[1], sys.argv[2], sys.argv[3]
st = sys.argv[4]
host = "[%s]:1900" % target if family == "6" else "%s:1900" % target
msg = ("M-SEARCH * HTTP/1.1\r\nHOST: %s\r\nMAN: \"ssdp:discover\"\r\nMX: 1\r\nST: %s\r\n"
       "USER-AGENT: Linux/6.1 UPnP/2.0 flowmark-lab-search/1.0\r\n\r\n" % (host, st)).encode()
if family == "6":
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.sendto(msg, (target, 1900, 0, socket.if_nametoindex(ifname)))
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 2)
    s.sendto(msg, (target, 1900))
s.settimeout(1.5)
try:
    while True:
        data, peer = s.recvfrom(2048)
        print(peer, data.split(b"\r\n")[0].decode())
except socket.timeout:
    pass
PY

lab_capture_start "$TMP/ssdp.pcap" udp port 1900
ip netns exec $R python3 "$TMP/device.py" $LAB_RCIF 10.218.1.1 9 &
lab_register $!
sleep 1
ip netns exec $C python3 "$TMP/search.py" $LAB_CIF 239.255.255.250 4 ssdp:all
ip netns exec $C python3 "$TMP/search.py" $LAB_CIF 239.255.255.250 4 urn:schemas-upnp-org:device:InternetGatewayDevice:1
ip netns exec $C python3 "$TMP/search.py" $LAB_CIF ff02::c 6 upnp:rootdevice
ip netns exec $C python3 "$TMP/search.py" $LAB_CIF 10.218.1.1 4 upnp:rootdevice
sleep 1
lab_capture_stop
lab_save "$TMP/ssdp.pcap" "$OUT/ssdp-discovery.pcap" 40
