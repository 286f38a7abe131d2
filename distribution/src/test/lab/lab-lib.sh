# Shared network-namespace lab of the recording scripts and router labs in this directory (POSIX sh; bash scripts
# source it too). Not run by itself: a script sources it with
#     . "$(dirname "$0")/lab-lib.sh"
# before it changes directory, then builds its lab with lab_up. Everything it creates (namespaces, the veths in
# them, processes started with lab_bg, the work directory, paths given to lab_cleanup_add) is removed by lab_down,
# which lab_up and lab_work register for EXIT; INT, TERM and HUP exit (130, 143, 129) through it.
#
# Lab built by `lab_up PREFIX NET` (three namespaces, names unique per run: PREFIX and the shell's pid):
#   client $LAB_C  $LAB_CIF NET.1.2/24 --- $LAB_RCIF NET.1.1  router $LAB_R  $LAB_RSIF NET.2.1 --- $LAB_SIF NET.2.2/24
#                                                                                                  server $LAB_S
# with default routes through the router and IPv4 forwarding on it. Options (before PREFIX):
#   -e     interfaces named eth0 (client and server) and r-c / r-s (router) instead of $LAB_ID{a,b,x,y}
#   -6 P   also IPv6: P:1::2/64, P:1::1/64, P:2::1/64, P:2::2/64 (nodad), IPv6 default routes and forwarding
#   -2     two namespaces only (client and router on one veth, no server): no routes, no forwarding
# NET "-" adds no addresses (the script adds its own). The capture point is the router's client-side interface
# ($LAB_RCIF), which sees both directions.
#
# Variables set: LAB_ID (unique prefix, for other per-run names), LAB_C LAB_R LAB_S (namespaces), LAB_CIF LAB_RCIF
# LAB_RSIF LAB_SIF (interfaces), LAB_TMP (private work directory, from lab_work or lab_up), LAB_PIDS.
# KEEP=1 in the environment keeps the work directory.

LAB_PIDS=""
LAB_CLEAN=""
LAB_NS=""
LAB_TMP=""
LAB_TRAPPED=""
LAB_CAPTURE_PID=""

# lab_require NAME HINT TOOL...: exits 2 ("NAME: ...") unless root and every TOOL is on the PATH (HINT: how to get
# them, e.g. the apt-get command).
lab_require() {
    lab_name=$1; lab_hint=$2; shift 2
    [ "$(id -u)" -eq 0 ] || { echo "$lab_name: run as root (network namespaces, tcpdump)" >&2; exit 2; }
    for lab_t in "$@"; do
        command -v "$lab_t" >/dev/null 2>&1 || { echo "$lab_name: $lab_t is missing ($lab_hint)" >&2; exit 2; }
    done
}

# lab_work [NAME]: the private work directory $LAB_TMP (/tmp/flowmark-NAME.XXXXXX), removed by lab_down.
lab_work() {
    if [ -z "$LAB_TMP" ]; then
        LAB_TMP=$(mktemp -d "/tmp/flowmark-${1:-lab}.XXXXXX")
    fi
    lab_trap
}

lab_trap() {
    [ -n "$LAB_TRAPPED" ] && return 0
    LAB_TRAPPED=1
    trap lab_down EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    trap 'exit 129' HUP
}

# lab_in NS CMD...: runs CMD in namespace NS.
lab_in() {
    lab_ns=$1; shift
    ip netns exec "$lab_ns" "$@"
}

# lab_bg CMD...: runs CMD in the background (redirections on the call apply to it) and registers it for lab_down;
# its pid is in $LAB_LAST (and $!).
lab_bg() {
    "$@" &
    LAB_LAST=$!
    LAB_PIDS="$LAB_PIDS $LAB_LAST"
}

# lab_register PID...: processes started otherwise (e.g. the end of a background pipeline, $!) ended by lab_down.
lab_register() {
    LAB_PIDS="$LAB_PIDS $*"
}

# lab_cleanup_add PATH...: files or directories removed by lab_down.
lab_cleanup_add() {
    for lab_p in "$@"; do LAB_CLEAN="$LAB_CLEAN $lab_p"; done
}

# lab_up [-e] [-6 PREFIX6] [-2] PREFIX NET: the namespaces, veths, addresses, routes and forwarding (see the top).
lab_up() {
    lab_eth=""; lab_v6=""; lab_two=""
    while [ $# -gt 0 ]; do
        case $1 in
            -e) lab_eth=1; shift ;;
            -6) lab_v6=$2; shift 2 ;;
            -2) lab_two=1; shift ;;
            *) break ;;
        esac
    done
    [ $# -eq 2 ] || { echo "lab_up: usage: lab_up [-e] [-6 PREFIX6] [-2] PREFIX NET" >&2; return 2; }
    lab_work "$1"
    LAB_ID=$1$$
    LAB_C=${LAB_ID}c; LAB_R=${LAB_ID}r; LAB_S=${LAB_ID}s
    if [ -n "$lab_eth" ]; then
        LAB_CIF=eth0; LAB_RCIF=r-c; LAB_RSIF=r-s; LAB_SIF=eth0
    else
        LAB_CIF=${LAB_ID}a; LAB_RCIF=${LAB_ID}b; LAB_RSIF=${LAB_ID}x; LAB_SIF=${LAB_ID}y
    fi
    if [ -n "$lab_two" ]; then lab_all="$LAB_C $LAB_R"; LAB_S=""; LAB_RSIF=""; LAB_SIF=""; else lab_all="$LAB_C $LAB_R $LAB_S"; fi
    for lab_n in $lab_all; do
        ip netns add "$lab_n" || { echo "lab_up: cannot create namespace $lab_n" >&2; return 1; }
        LAB_NS="$LAB_NS $lab_n"
        ip -n "$lab_n" link set lo up
    done
    ip -n "$LAB_C" link add "$LAB_CIF" type veth peer name "$LAB_RCIF" netns "$LAB_R"
    [ -n "$lab_two" ] || ip -n "$LAB_S" link add "$LAB_SIF" type veth peer name "$LAB_RSIF" netns "$LAB_R"
    lab_net=$2
    if [ "$lab_net" != - ]; then
        ip -n "$LAB_C" addr add "$lab_net.1.2/24" dev "$LAB_CIF"
        ip -n "$LAB_R" addr add "$lab_net.1.1/24" dev "$LAB_RCIF"
        if [ -z "$lab_two" ]; then
            ip -n "$LAB_R" addr add "$lab_net.2.1/24" dev "$LAB_RSIF"
            ip -n "$LAB_S" addr add "$lab_net.2.2/24" dev "$LAB_SIF"
        fi
    fi
    if [ -n "$lab_v6" ]; then
        ip -n "$LAB_C" addr add "$lab_v6:1::2/64" dev "$LAB_CIF" nodad
        ip -n "$LAB_R" addr add "$lab_v6:1::1/64" dev "$LAB_RCIF" nodad
        if [ -z "$lab_two" ]; then
            ip -n "$LAB_R" addr add "$lab_v6:2::1/64" dev "$LAB_RSIF" nodad
            ip -n "$LAB_S" addr add "$lab_v6:2::2/64" dev "$LAB_SIF" nodad
        fi
    fi
    ip -n "$LAB_C" link set "$LAB_CIF" up
    ip -n "$LAB_R" link set "$LAB_RCIF" up
    [ -n "$lab_two" ] && return 0
    ip -n "$LAB_R" link set "$LAB_RSIF" up
    ip -n "$LAB_S" link set "$LAB_SIF" up
    if [ "$lab_net" != - ]; then
        ip -n "$LAB_C" route add default via "$lab_net.1.1"
        ip -n "$LAB_S" route add default via "$lab_net.2.1"
    fi
    ip netns exec "$LAB_R" sysctl -q -w net.ipv4.ip_forward=1
    if [ -n "$lab_v6" ]; then
        ip -n "$LAB_C" -6 route add default via "$lab_v6:1::1"
        ip -n "$LAB_S" -6 route add default via "$lab_v6:2::1"
        ip netns exec "$LAB_R" sysctl -q -w net.ipv6.conf.all.forwarding=1
    fi
}

# lab_offload_off: no TSO/GSO/GRO on the lab's veths, so the segments on the wire are what a capture shows.
lab_offload_off() {
    for lab_spec in "$LAB_C $LAB_CIF" "$LAB_R $LAB_RCIF" "$LAB_R $LAB_RSIF" "$LAB_S $LAB_SIF"; do
        set -- $lab_spec
        [ $# -eq 2 ] || continue
        ip netns exec "$1" ethtool -K "$2" tso off gso off gro off >/dev/null 2>&1 || true
    done
}

# lab_lan_ipv6 SETTING=VALUE...: net.ipv6.conf.<if>.SETTING on the client's interface and the router's client side
# (the captured link), e.g. disable_ipv6=1 or accept_ra=0.
lab_lan_ipv6() {
    lab_settings=$*
    for lab_spec in "$LAB_C $LAB_CIF" "$LAB_R $LAB_RCIF"; do
        set -- $lab_spec
        lab_kv=""
        for lab_s in $lab_settings; do lab_kv="$lab_kv net.ipv6.conf.$2.$lab_s"; done
        ip netns exec "$1" sysctl -q -w $lab_kv || true
    done
}

# lab_wait_for SECONDS WHAT CMD...: polls CMD every 0.1 s; 1 (with a message) when it did not succeed in time.
lab_wait_for() {
    lab_limit=$(($1 * 10)); lab_what=$2; shift 2
    lab_i=0
    until "$@" >/dev/null 2>&1; do
        lab_i=$((lab_i + 1))
        [ $lab_i -le $lab_limit ] || { echo "lab: timed out waiting for $lab_what" >&2; return 1; }
        sleep 0.1
    done
}

lab_port_listening() { # ns port tcp|udp
    case $3 in udp) lab_ss=-lun ;; *) lab_ss=-ltn ;; esac
    ip netns exec "$1" ss -H $lab_ss "sport = :$2" 2>/dev/null | grep -q .
}

# lab_wait_port NS PORT [tcp|udp] [SECONDS]: waits (default 5 s) until something listens on PORT in NS.
lab_wait_port() {
    lab_wait_for "${4:-5}" "a ${3:-tcp} listener on port $2" lab_port_listening "$1" "$2" "${3:-tcp}"
}

# lab_capture_start FILE [FILTER...]: tcpdump in the router namespace on $LAB_CAPTURE_IF (default $LAB_RCIF),
# writing FILE (pcap); returns once tcpdump listens. One capture at a time.
lab_capture_start() {
    LAB_CAPTURE_FILE=$1; shift
    LAB_CAPTURE_LOG=$LAB_CAPTURE_FILE.log
    ip netns exec "$LAB_R" tcpdump -i "${LAB_CAPTURE_IF:-$LAB_RCIF}" -n -U --immediate-mode -Z root \
        -w "$LAB_CAPTURE_FILE" "$@" >"$LAB_CAPTURE_LOG" 2>&1 &
    LAB_CAPTURE_PID=$!
    LAB_PIDS="$LAB_PIDS $LAB_CAPTURE_PID"
    lab_wait_for 10 "tcpdump on ${LAB_CAPTURE_IF:-$LAB_RCIF}" grep -q "listening on" "$LAB_CAPTURE_LOG" \
        || { cat "$LAB_CAPTURE_LOG" >&2; return 1; }
    sleep 0.5
}

# lab_capture_stop: ends the capture (tcpdump writes out what it has); $LAB_CAPTURE_STATS is its summary line.
lab_capture_stop() {
    [ -n "$LAB_CAPTURE_PID" ] || return 0
    kill -TERM "$LAB_CAPTURE_PID" 2>/dev/null || true  # background jobs of a non-interactive sh ignore SIGINT
    wait "$LAB_CAPTURE_PID" 2>/dev/null || true
    LAB_PIDS=$(echo " $LAB_PIDS " | sed "s/ $LAB_CAPTURE_PID / /")
    LAB_CAPTURE_PID=""
    LAB_CAPTURE_STATS=$(grep -h 'packets captured' "$LAB_CAPTURE_LOG" 2>/dev/null || true)
}

# lab_save IN OUT [PACKETS [EDITCAP_OPTION...]]: OUT is IN (copied), or its first PACKETS packets (editcap, with the
# options given, e.g. -F pcap; editcap's default output is pcapng).
lab_save() {
    lab_in_file=$1; lab_out_file=$2
    mkdir -p "$(dirname "$lab_out_file")"
    if [ $# -ge 3 ]; then
        lab_keep=$3; shift 3
        editcap "$@" -r "$lab_in_file" "$lab_out_file" "1-$lab_keep" >/dev/null
    else
        cp "$lab_in_file" "$lab_out_file"
    fi
    echo "recorded $lab_out_file ($(wc -c < "$lab_out_file") bytes)"
}

# lab_record FILE PACKETS FILTER CMD...: captures (tcpdump filter FILTER, one word or quoted) while CMD runs (its
# output goes to $LAB_TMP/<FILE's name>.out; its failure is not fatal), 1 s more, then keeps the first PACKETS
# packets in FILE (pcapng, editcap's default).
lab_record() {
    lab_file=$1; lab_n=$2; lab_filter=$3; shift 3
    lab_cap=$LAB_TMP/$(basename "$lab_file" .pcap).raw.pcap
    lab_capture_start "$lab_cap" $lab_filter
    "$@" >"$LAB_TMP/$(basename "$lab_file").out" 2>&1 || true
    sleep 1
    lab_capture_stop
    lab_save "$lab_cap" "$lab_file" "$lab_n"
}

lab_pid_alive() { # any registered process still running (not a zombie awaiting its wait)
    for lab_p in $LAB_PIDS; do
        [ -r "/proc/$lab_p/stat" ] || continue
        [ "$(sed 's/.*) //' "/proc/$lab_p/stat" 2>/dev/null | cut -c1)" = Z ] || return 0
    done
    return 1
}

# lab_down: ends the registered processes (TERM, KILL after 3 s) and whatever still runs in the lab's namespaces,
# deletes the namespaces (their veths go with them) and the work directory. Idempotent.
lab_down() {
    set +e
    for lab_p in $LAB_PIDS; do kill "$lab_p" 2>/dev/null; done
    lab_i=0
    while lab_pid_alive && [ $lab_i -lt 30 ]; do sleep 0.1; lab_i=$((lab_i + 1)); done
    for lab_p in $LAB_PIDS; do kill -9 "$lab_p" 2>/dev/null; wait "$lab_p" 2>/dev/null; done
    LAB_PIDS=""; LAB_CAPTURE_PID=""
    for lab_n in $LAB_NS; do
        lab_left=$(ip netns pids "$lab_n" 2>/dev/null)
        if [ -n "$lab_left" ]; then
            kill $lab_left 2>/dev/null
            sleep 0.5
            kill -9 $(ip netns pids "$lab_n" 2>/dev/null) 2>/dev/null
        fi
        ip netns del "$lab_n" 2>/dev/null
    done
    LAB_NS=""
    for lab_p in $LAB_CLEAN; do rm -rf "$lab_p"; done
    LAB_CLEAN=""
    if [ -n "$LAB_TMP" ]; then
        if [ "${KEEP:-0}" = 1 ]; then echo "kept $LAB_TMP" >&2; else rm -rf "$LAB_TMP"; fi
        LAB_TMP=""
    fi
    return 0
}
