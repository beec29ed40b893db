#!/usr/bin/env bash
# docker/prove-local.sh — prove docker/Dockerfile and docker/docker-compose.yml end to end on a
# machine that cannot pull images (no registry access). Not part of CI (.ci/run never calls it).
#
# What it does, in order (every step is skipped when its result already exists, so reruns are cheap):
#   1. tools    installs docker.io, docker-compose and debootstrap with apt-get when missing.
#   2. daemon   uses the daemon at $DOCKER_HOST (or the default socket) when `docker info` answers;
#               otherwise starts its own: dockerd --bridge=none --iptables=false --ip6tables=false
#               with data, exec root and socket under $OPENTRACY_DOCKER_DIR, and stops it on exit.
#   3. base     `debootstrap --variant=minbase bookworm` + libssl3 ca-certificates libicu72,
#               imported as $BASE_IMAGE: the runtime base for a self-contained app (SELF_CONTAINED=true,
#               the default); with SELF_CONTAINED=false the rootfs plus this machine's ASP.NET Core
#               runtime (the same publish as the Dockerfile's default on the official aspnet image).
#   4. sdk      the same rootfs plus this machine's .NET SDK (the one `dotnet --version` picks here,
#               i.e. what global.json allows) and this machine's CA bundle, imported as $SDK_IMAGE.
#   5. build    docker build --network host -f docker/Dockerfile with BASE_IMAGE, SDK_IMAGE and
#               SELF_CONTAINED (restore still needs nuget.org, through the host network).
#   6. up       docker-compose -f docker/docker-compose.yml up -d (3 nodes + mock, host network),
#               then waits for the 4 health checks to report healthy.
#   7. checks   POST /v1/chat/completions (openai/gpt-4o-mini, answered by the mock) on each node;
#               /health/ready on each node; `pbm cluster show` inside node1 lists 3 Up members;
#               node1 runs as a non-root uid and wrote its trace database to /data;
#               `docker stop` node3 (SIGTERM) exits 0 and the cluster shrinks to 2 Up members;
#               node1 and node2 still answer chat requests.
#   8. down     docker-compose down; stops the daemon if this script started it. Images are kept
#               (the next run reuses them); `docker image rm` them, or stop the daemon and delete
#               $OPENTRACY_DOCKER_DIR, to start from scratch. To use the daemon yourself afterwards:
#               run with KEEP_UP=1, or start it again with the dockerd line in step 2.
# Prints PASS/FAIL per check and a summary; exits 0 only when every check passed.
#
# Usage (from anywhere; run as root or with sudo available):
#   docker/prove-local.sh
# Environment (all optional):
#   OPENTRACY_DOCKER_DIR  state dir: rootfs, dockerd data/exec root, socket, logs (default /tmp/opentracy-docker)
#   OPENTRACY_IMAGE       tag of the image built and run by compose (default opentracy:local)
#   BASE_IMAGE, SDK_IMAGE tags of the imported images (default opentracy-local/base:bookworm, opentracy-local/sdk:<version>)
#   SELF_CONTAINED=false  build the framework-dependent image (as with the official images) instead
#   REBUILD=1             rebuild the OpenTracy image without the layer cache
#   KEEP_UP=1             leave the containers (and a daemon this script started) running at the end
#
# The ports used are compose's: HTTP 8081-8083, Akka 4053-4055, ops 9111-9113, mock 9000; they must be free.
set -uo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
WORK=${OPENTRACY_DOCKER_DIR:-/tmp/opentracy-docker}
IMAGE=${OPENTRACY_IMAGE:-opentracy:local}
SELF_CONTAINED=${SELF_CONTAINED:-true}
case "$SELF_CONTAINED" in true|false) ;; *) echo "SELF_CONTAINED must be true or false" >&2; exit 2;; esac
BASE_IMAGE=${BASE_IMAGE:-opentracy-local/base:bookworm}
PROJECT=opentracy-prove
COMPOSE=(docker-compose -p "$PROJECT" -f docker/docker-compose.yml)
export OPENTRACY_IMAGE=$IMAGE DOCKER_BUILDKIT=0 COMPOSE_DOCKER_CLI_BUILD=0

passed=0; failed=0; results=()
log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
pass() { passed=$((passed + 1)); results+=("PASS  $*"); log "PASS  $*"; }
fail() { failed=$((failed + 1)); results+=("FAIL  $*"); log "FAIL  $*"; }
die() { fail "$*"; finish; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

summary() {
  echo
  echo "==== prove-local summary ===="
  printf '%s\n' "${results[@]}"
  [ -n "${image_size:-}" ] && echo "image $IMAGE: $image_size"
  [ -n "${build_seconds:-}" ] && echo "build time: ${build_seconds}s (SELF_CONTAINED=$SELF_CONTAINED, runtime base $RUNTIME_IMAGE)"
  [ -n "${stop_exit:-}" ] && echo "node3 exit code after docker stop (SIGTERM): $stop_exit (stopped in ${stop_seconds}s)"
  if [ "$failed" -eq 0 ]; then echo "RESULT: PASS ($passed checks)"; else echo "RESULT: FAIL ($failed of $((passed + failed)) checks failed)"; fi
}

started_dockerd=
tore_down=
teardown() {
  if [ -z "$tore_down" ] && [ -z "${KEEP_UP:-}" ] && [ -n "${compose_started:-}" ]; then
    tore_down=1
    log "docker-compose down"
    "${COMPOSE[@]}" down --remove-orphans >/dev/null 2>&1 || log "docker-compose down failed"
  fi
  if [ -n "$started_dockerd" ] && [ -z "${KEEP_UP:-}" ]; then
    log "stopping the dockerd this script started (pid $started_dockerd)"
    as_root kill "$started_dockerd" 2>/dev/null
    for _ in $(seq 60); do kill -0 "$started_dockerd" 2>/dev/null || break; sleep 0.5; done
    # dockerd leaves its network-namespace mount behind; drop it so `rm -rf $WORK` works.
    mountpoint -q "$WORK/exec/netns/default" 2>/dev/null && as_root umount "$WORK/exec/netns/default"
    started_dockerd=
  fi
}
finish() {
  trap - EXIT INT TERM
  teardown
  summary
  [ "$failed" -eq 0 ]; exit $?
}
trap finish EXIT
trap 'fail "interrupted"; finish' INT TERM

# ---- 1. tools ---------------------------------------------------------------------------------
need=()
command -v docker >/dev/null || need+=(docker.io)
command -v dockerd >/dev/null || need+=(docker.io)
command -v docker-compose >/dev/null || need+=(docker-compose)
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v curl >/dev/null || need+=(curl)
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]}"
  as_root apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -q "${need[@]}" >/dev/null \
    || die "apt-get install ${need[*]}"
fi
command -v dotnet >/dev/null || die "no dotnet on PATH (the SDK image is made from this machine's .NET SDK)"
mkdir -p "$WORK"

# ---- 2. daemon --------------------------------------------------------------------------------
if ! docker info >/dev/null 2>&1; then
  export DOCKER_HOST=unix://$WORK/docker.sock
  if ! docker info >/dev/null 2>&1; then
    log "starting dockerd (data under $WORK, socket $WORK/docker.sock)"
    mkdir -p "$WORK/data" "$WORK/exec"
    as_root dockerd --bridge=none --iptables=false --ip6tables=false \
      --data-root "$WORK/data" --exec-root "$WORK/exec" -H "$DOCKER_HOST" \
      --pidfile "$WORK/dockerd.pid" >"$WORK/dockerd.log" 2>&1 &
    for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
    docker info >/dev/null 2>&1 || die "dockerd did not start (see $WORK/dockerd.log)"
    started_dockerd=$(cat "$WORK/dockerd.pid")
  fi
fi
pass "docker daemon answers (${DOCKER_HOST:-default socket}, server $(docker version -f '{{.Server.Version}}' 2>/dev/null))"

# An earlier run left up (KEEP_UP=1 or killed): take it down. Then the compose file's ports must be
# free, as the containers share the host network.
if [ -n "$("${COMPOSE[@]}" ps -q 2>/dev/null)" ]; then
  log "an earlier run of project $PROJECT is still up: docker-compose down"
  "${COMPOSE[@]}" down --remove-orphans >/dev/null 2>&1
fi
busy=$(ss -ltnH 2>/dev/null | awk '{print $4}' | grep -Eo ':(808[1-3]|405[3-5]|911[1-3]|9000)$' | sort -u | tr '\n' ' ')
[ -z "$busy" ] || die "ports in use on this host: $busy"

# ---- 3. base image ----------------------------------------------------------------------------
rootfs=$WORK/rootfs
if [ ! -f "$WORK/rootfs.ok" ]; then
  log "debootstrap bookworm minbase into $rootfs (about a minute)"
  as_root rm -rf "$rootfs"
  as_root debootstrap --variant=minbase --include=libssl3,ca-certificates,libicu72 bookworm "$rootfs" \
    http://deb.debian.org/debian >"$WORK/debootstrap.log" 2>&1 || die "debootstrap (see $WORK/debootstrap.log)"
  as_root rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  touch "$WORK/rootfs.ok"
fi
if ! docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  log "importing $BASE_IMAGE"
  as_root tar -C "$rootfs" -c . | docker import -c 'CMD ["/bin/bash"]' - "$BASE_IMAGE" >/dev/null || die "docker import $BASE_IMAGE"
fi
pass "base image $BASE_IMAGE ($(docker image inspect -f '{{.Size}}' "$BASE_IMAGE" | awk '{printf "%.0f MB", $1/1e6}'))"

# ---- 4. sdk image -----------------------------------------------------------------------------
sdk_version=$(dotnet --version) || die "dotnet --version (global.json: $(cat global.json))"
SDK_IMAGE=${SDK_IMAGE:-opentracy-local/sdk:$sdk_version}
if ! docker image inspect "$SDK_IMAGE" >/dev/null 2>&1; then
  dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
  [ -d "$dotnet_root/sdk/$sdk_version" ] || die "SDK $sdk_version not found under $dotnet_root"
  log "importing $SDK_IMAGE (rootfs + $dotnet_root as /usr/share/dotnet + this host's CA bundle)"
  parent=$(dirname "$dotnet_root"); name=$(basename "$dotnet_root")
  # The build stage reaches nuget.org through this host's network, so it trusts what this host trusts
  # (a TLS-inspecting egress proxy's CA, for one): the host's bundle replaces the rootfs's. Only the
  # SDK image gets it; the runtime base keeps Debian's.
  as_root tar -c -C "$rootfs" --exclude=./etc/ssl/certs/ca-certificates.crt . \
      -C /etc/ssl/certs --transform 's,^ca-certificates\.crt$,./etc/ssl/certs/ca-certificates.crt,S' ca-certificates.crt \
      -C "$parent" --transform "s,^$name,./usr/share/dotnet,S" "$name" \
    | docker import -c 'ENV DOTNET_ROOT=/usr/share/dotnet' \
        -c 'ENV PATH=/usr/share/dotnet:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        -c "ENV NUGET_CERT_REVOCATION_MODE=${NUGET_CERT_REVOCATION_MODE:-online}" \
        -c 'CMD ["/bin/bash"]' - "$SDK_IMAGE" >/dev/null || die "docker import $SDK_IMAGE"
fi
docker run --rm --network host "$SDK_IMAGE" dotnet --version >/dev/null 2>&1 \
  && pass "sdk image $SDK_IMAGE runs dotnet" || die "sdk image $SDK_IMAGE cannot run dotnet"

RUNTIME_IMAGE=$BASE_IMAGE
if [ "$SELF_CONTAINED" = false ]; then
  # Framework-dependent: the runtime base needs the ASP.NET Core runtime, as mcr's aspnet image has.
  aspnet_version=$(dotnet --list-runtimes | awk '$1 == "Microsoft.AspNetCore.App" && $2 ~ /^10\./ {v=$2} END {print v}')
  [ -n "$aspnet_version" ] || die "no ASP.NET Core 10 runtime on this machine (dotnet --list-runtimes)"
  RUNTIME_IMAGE=opentracy-local/aspnet:$aspnet_version
  if ! docker image inspect "$RUNTIME_IMAGE" >/dev/null 2>&1; then
    dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
    parent=$(dirname "$dotnet_root"); name=$(basename "$dotnet_root")
    log "importing $RUNTIME_IMAGE (rootfs + the runtimes of $dotnet_root, no SDK)"
    as_root tar -c -C "$rootfs" . -C "$parent" --exclude="$name/sdk" --exclude="$name/sdk-manifests" \
        --exclude="$name/packs" --exclude="$name/templates" --exclude="$name/library-packs" \
        --transform "s,^$name,./usr/share/dotnet,S" "$name" \
      | docker import -c 'ENV DOTNET_ROOT=/usr/share/dotnet' \
          -c 'ENV PATH=/usr/share/dotnet:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
          -c 'CMD ["/bin/bash"]' - "$RUNTIME_IMAGE" >/dev/null || die "docker import $RUNTIME_IMAGE"
  fi
  docker run --rm --network host "$RUNTIME_IMAGE" dotnet --list-runtimes 2>/dev/null | grep -q "Microsoft.AspNetCore.App $aspnet_version" \
    && pass "runtime image $RUNTIME_IMAGE has ASP.NET Core $aspnet_version" || die "runtime image $RUNTIME_IMAGE lacks ASP.NET Core $aspnet_version"
fi

# ---- 5. build ---------------------------------------------------------------------------------
log "docker build $IMAGE (SELF_CONTAINED=$SELF_CONTAINED, runtime base $RUNTIME_IMAGE; slow on a busy machine; log: $WORK/build.log)"
start=$(date +%s)
docker build --network host ${REBUILD:+--no-cache} -f docker/Dockerfile \
  --build-arg BASE_IMAGE="$RUNTIME_IMAGE" --build-arg SDK_IMAGE="$SDK_IMAGE" --build-arg SELF_CONTAINED="$SELF_CONTAINED" \
  -t "$IMAGE" . >"$WORK/build.log" 2>&1
build_status=$?
build_seconds=$(( $(date +%s) - start ))
if [ $build_status -ne 0 ]; then tail -40 "$WORK/build.log"; die "docker build (exit $build_status, see $WORK/build.log)"; fi
image_size=$(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%.0f MB", $1/1e6}')
pass "docker build $IMAGE in ${build_seconds}s ($image_size)"

# ---- 6. up ------------------------------------------------------------------------------------
log "docker-compose up -d (project $PROJECT)"
compose_started=1
"${COMPOSE[@]}" up -d 2>&1 | sed 's/^/  /' || true
cid() { "${COMPOSE[@]}" ps -q "$1" 2>/dev/null; }
for s in mock node1 node2 node3; do
  id=$(cid "$s"); status=
  for _ in $(seq 120); do
    status=$(docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' "$id" 2>/dev/null)
    [ "$status" = healthy ] && break
    sleep 2
  done
  if [ "$status" = healthy ]; then pass "$s healthy"; else
    fail "$s health: ${status:-no container}"; docker logs --tail 30 "$id" 2>&1 | sed 's/^/  | /'; fi
done
[ "$failed" -eq 0 ] || die "not every service became healthy"

# ---- 7. checks --------------------------------------------------------------------------------
chat() {  # chat PORT ID -> prints "HTTP_CODE BODY"; the mock counts the request under ID
  curl -s -m 30 -o "$WORK/chat.out" -w '%{http_code}' "http://127.0.0.1:$1/v1/chat/completions" \
    -H 'content-type: application/json' \
    -d '{"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"hello from prove-local [mock id='"$2"']"}]}'
  printf ' %s' "$(head -c 300 "$WORK/chat.out")"
}
check_chat() {  # check_chat NAME PORT: 200 with the mock's echo, and the mock counted it
  local id="prove-$RANDOM$RANDOM" out stats
  out=$(chat "$2" "$id")
  stats=$(curl -s -m 10 "http://127.0.0.1:9000/_mock/stats?id=$id")
  if [ "${out%% *}" = 200 ] && grep -q 'echo: hello from prove-local' "$WORK/chat.out" && echo "$stats" | grep -q '"completed":1'; then
    pass "$1 chat completion -> 200, answered by the mock ($stats)"
  else fail "$1 chat completion -> $out; mock: $stats"; fi
}
members() {  # members OPS_PORT (inside node1) -> number of Up members in `pbm cluster show`
  docker exec "$(cid node1)" /app/pbm/pbm "127.0.0.1:$1" cluster show 2>&1 | tee "$WORK/members.out" | grep -c '| Up |'
}

for i in 1 2 3; do check_chat "node$i" "808$i"; done
for i in 1 2 3; do
  ready=$(curl -s -m 10 "http://127.0.0.1:808$i/health/ready")
  if echo "$ready" | grep -q '"ready"'; then pass "node$i /health/ready: $ready"; else fail "node$i /health/ready: $ready"; fi
done
n=0; for _ in $(seq 30); do n=$(members 9111); [ "$n" = 3 ] && break; sleep 2; done
if [ "$n" = 3 ]; then pass "pbm cluster show (in node1): 3 Up members"; else fail "pbm cluster show: $n Up members"; fi
# Not root, and the node can write where it must: its trace record of the chat above is stored in /data.
node_uid=$(docker exec "$(cid node1)" sh -c 'stat -c %u /proc/1' 2>&1)
if [ -n "$node_uid" ] && [ "$node_uid" != 0 ] && [ "$node_uid" -eq "$node_uid" ] 2>/dev/null; then
  pass "node1 runs as uid $node_uid, not root"; else fail "node1 process uid: $node_uid"; fi
traces=$(curl -s -m 10 "http://127.0.0.1:8081/v1/traces?limit=1")
if echo "$traces" | grep -q '"status":200' && docker exec "$(cid node1)" test -s /data/opentracy-traces.db; then
  pass "node1 wrote its trace database to /data (/v1/traces: $(echo "$traces" | head -c 120)...)"
else fail "node1 trace store: $traces"; fi
sed 's/^/  | /' "$WORK/members.out"

log "docker stop node3 (SIGTERM; compose stop_grace_period 30s)"
node3=$(cid node3); start=$(date +%s)
docker stop -t 30 "$node3" >/dev/null
stop_seconds=$(( $(date +%s) - start ))
stop_exit=$(docker inspect -f '{{.State.ExitCode}}' "$node3")
if [ "$stop_exit" = 0 ]; then pass "node3 exited 0 after SIGTERM (${stop_seconds}s)"; else
  fail "node3 exit code $stop_exit after SIGTERM (${stop_seconds}s)"; fi
# A graceful leave: node3 went Leaving -> Exiting -> Removed itself (a killed node would instead be
# unreachable, then downed by the split-brain resolver).
if docker logs "$node3" 2>&1 | grep -E 'Exiting completed|Shutting down myself|Successfully shut down' | tee "$WORK/leave.out" | grep -q .; then
  pass "node3 left the cluster gracefully (its log: $(grep -Eo 'Exiting completed|Shutting down myself|Successfully shut down' "$WORK/leave.out" | sort -u | paste -sd, -))"
else fail "node3's log shows no graceful cluster exit"; docker logs --tail 20 "$node3" 2>&1 | sed 's/^/  | /'; fi
n=0; for _ in $(seq 30); do n=$(members 9111); [ "$n" = 2 ] && grep -q 'Count: 2 nodes' "$WORK/members.out" && break; sleep 2; done
if [ "$n" = 2 ] && grep -q 'Count: 2 nodes' "$WORK/members.out" && ! grep -q ':4055 ' "$WORK/members.out"; then
  pass "cluster after node3 left: 2 Up members, node3 removed"
else fail "cluster after node3 left: $n Up members"; fi
sed 's/^/  | /' "$WORK/members.out"
for i in 1 2; do check_chat "node$i (after node3 left)" "808$i"; done

# ---- 8. down ----------------------------------------------------------------------------------
finish
