#!/usr/bin/env bash
# Builds the Dockerfile with buildah on a machine that cannot pull registry images: the
# node:20-bookworm-slim stand-in is assembled with debootstrap from Debian's packages plus this
# machine's Node.js 20, then the image is built and `dealerscope serve` is started inside it
# until /readyz answers.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

usage() {
  cat <<USAGE
Usage: $(basename "$0") [--tag=NAME] [--cache-dir=DIR] [--mirror=URL] [--port=N]
                      [--database-url=URL] [--no-check] [--rebuild-base]

Builds the Dockerfile with \`buildah bud --isolation chroot\` and checks the result:
  1. base     a Debian bookworm minbase from debootstrap (--mirror, default the first Debian
              URI in /etc/apt/sources.list*) plus this machine's Node.js 20 under /usr/local,
              committed as localhost/dealerscope-base:<key>. The debootstrap tree is cached as
              <cache-dir>/<key>/rootfs.tar; <key> hashes the suite, mirror, package list and
              the Node.js binary, so a change to any of them assembles a new base.
  2. image    the Dockerfile with NODE_IMAGE=<that base>, layers cached by buildah, npm's
              download cache kept in <cache-dir>/npm (the lock file's integrity still applies).
  3. check    \`dealerscope serve --no-sample\` inside the image (buildah run, chroot isolation,
              the host's network, uid 10001, DEALERSCOPE_ENV=production) until GET /readyz
              answers 200 on 127.0.0.1:<port>; prints start-to-ready time and RSS, then stops it.

Options:
  --tag=NAME          image name (default localhost/dealerscope:<package.json version>)
  --cache-dir=DIR     where the base tarball and npm cache live (default .cache/image-base)
  --mirror=URL        Debian mirror for debootstrap and for apt inside the image
  --port=N            port for the check (default 18080)
  --database-url=URL  database for the check (default a SQLite file in the container's /tmp)
  --no-check          build only
  --rebuild-base      assemble the base again even when one with the same key exists
  -h, --help          this text

Needs root, buildah, debootstrap, curl and Node.js 20 on this machine. Exit codes: 0 built (and
ready); 1 a step failed; 2 usage.
USAGE
}

TAG=""
CACHE_DIR="$ROOT/.cache/image-base"
MIRROR=""
PORT=18080
DATABASE_URL_CHECK="sqlite:/tmp/dealerscope-check.db"
CHECK=1
REBUILD_BASE=0
for arg in "$@"; do
  case "$arg" in
    --tag=*) TAG="${arg#*=}" ;;
    --cache-dir=*) CACHE_DIR="$(realpath -m "${arg#*=}")" ;;
    --mirror=*) MIRROR="${arg#*=}" ;;
    --port=*) PORT="${arg#*=}" ;;
    --database-url=*) DATABASE_URL_CHECK="${arg#*=}" ;;
    --no-check) CHECK=0 ;;
    --rebuild-base) REBUILD_BASE=1 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; echo "build-image: unknown argument: $arg" >&2; exit 2 ;;
  esac
done
[[ "$PORT" =~ ^[0-9]+$ ]] && (( PORT > 0 && PORT < 65536 )) || { echo "build-image: --port must be 1-65535, got \"$PORT\"" >&2; exit 2; }

started=$(date +%s)
step() { echo "==> [$(( $(date +%s) - started ))s] $*"; }
die() { echo "build-image: $*" >&2; exit 1; }

(( EUID == 0 )) || die "needs root (debootstrap and buildah's chroot isolation)"
for tool in buildah debootstrap curl node sha256sum tar; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (apt-get install -y buildah debootstrap curl)"
done

VERSION=$(node -p "require('./package.json').version")
TAG=${TAG:-localhost/dealerscope:$VERSION}
SUITE=bookworm
if [[ -z "$MIRROR" ]]; then
  MIRROR=$(grep -rhoE '^(URIs:|deb) +https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null \
    | head -n1 | awk '{print $2}' || true)
  MIRROR=${MIRROR:-http://deb.debian.org/debian}
fi
MIRROR=${MIRROR%/}
SECURITY_MIRROR=${MIRROR%/debian}/debian-security

# Debian bookworm ships Node.js 18 and the NodeSource repository is not reachable from the build
# machines, so the base takes the Node.js this machine runs (its official Linux build: glibc and
# libstdc++ only, both in the base) together with its npm and headers. The headers let node-gyp
# compile better-sqlite3 without downloading anything.
NODE_BIN=$(readlink -f "$(command -v node)")
NODE_VERSION=$(node --version)
[[ "$NODE_VERSION" == v20.* ]] || die "the base needs Node.js 20 on this machine, found $NODE_VERSION"
NODE_PREFIX=$(dirname "$(dirname "$NODE_BIN")")
NPM_DIR="$NODE_PREFIX/lib/node_modules/npm"
NODE_INCLUDE="$NODE_PREFIX/include/node"
[[ -d "$NPM_DIR" ]] || die "npm not found at $NPM_DIR"
[[ -f "$NODE_INCLUDE/node.h" ]] || die "Node.js headers not found at $NODE_INCLUDE (node-gyp would download them)"

# The base mirrors debian:bookworm-slim: minbase, no documentation or translations, apt keeps no
# package cache. Anything the image needs beyond that the Dockerfile installs itself.
BASE_RECIPE=3
BASE_PACKAGES=""
KEY=$( { echo "recipe=$BASE_RECIPE suite=$SUITE mirror=$MIRROR packages=$BASE_PACKAGES"; sha256sum "$NODE_BIN"; echo "$NODE_VERSION"; } | sha256sum | cut -c1-16)
BASE_IMAGE="localhost/dealerscope-base:$KEY"
BASE_DIR="$CACHE_DIR/$KEY"
NPM_CACHE="$CACHE_DIR/npm"
mkdir -p "$BASE_DIR" "$NPM_CACHE"

image_exists() { buildah inspect --type image "$1" >/dev/null 2>&1; }

assemble_rootfs() {
  local rootfs="$BASE_DIR/rootfs"
  rm -rf "$rootfs" "$BASE_DIR/rootfs.tar.partial"
  step "debootstrap $SUITE (minbase) from $MIRROR"
  local t0; t0=$(date +%s)
  debootstrap --variant=minbase ${BASE_PACKAGES:+--include="$BASE_PACKAGES"} "$SUITE" "$rootfs" "$MIRROR" \
    > "$BASE_DIR/debootstrap.log" 2>&1 || { tail -n 20 "$BASE_DIR/debootstrap.log" >&2; die "debootstrap failed (log: $BASE_DIR/debootstrap.log)"; }
  echo "    debootstrap took $(( $(date +%s) - t0 ))s"
  cat > "$rootfs/etc/apt/sources.list" <<SOURCES
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb $SECURITY_MIRROR $SUITE-security main
SOURCES
  cat > "$rootfs/etc/dpkg/dpkg.cfg.d/slim" <<'DPKG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
DPKG
  cat > "$rootfs/etc/apt/apt.conf.d/docker-clean" <<'APT'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";
Acquire::Languages "none";
APT
  find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  rm -rf "$rootfs"/usr/share/{man,info,locale}/* "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  step "Node.js $NODE_VERSION from $NODE_PREFIX into /usr/local"
  install -D -m 0755 "$NODE_BIN" "$rootfs/usr/local/bin/node"
  mkdir -p "$rootfs/usr/local/lib/node_modules" "$rootfs/usr/local/include"
  cp -a "$NPM_DIR" "$rootfs/usr/local/lib/node_modules/npm"
  cp -a "$NODE_INCLUDE" "$rootfs/usr/local/include/node"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  chroot "$rootfs" /usr/local/bin/node --version >/dev/null || die "Node.js does not run inside the base"
  tar --numeric-owner --xattrs -C "$rootfs" -cf "$BASE_DIR/rootfs.tar.partial" .
  mv "$BASE_DIR/rootfs.tar.partial" "$BASE_DIR/rootfs.tar"
  rm -rf "$rootfs"
}

commit_base() {
  step "committing $BASE_IMAGE"
  local ctr mnt
  ctr=$(buildah from --isolation chroot scratch)
  mnt=$(buildah mount "$ctr")
  tar --numeric-owner --xattrs -C "$mnt" -xf "$BASE_DIR/rootfs.tar"
  buildah umount "$ctr" >/dev/null
  buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env NODE_VERSION="${NODE_VERSION#v}" --cmd node --label dealerscope.base-key="$KEY" "$ctr"
  buildah commit --quiet --rm "$ctr" "$BASE_IMAGE" >/dev/null
}

step "base $BASE_IMAGE"
if (( REBUILD_BASE )) || [[ ! -f "$BASE_DIR/rootfs.tar" ]]; then
  assemble_rootfs
  image_exists "$BASE_IMAGE" && buildah rmi "$BASE_IMAGE" >/dev/null
fi
if image_exists "$BASE_IMAGE"; then echo "    cached"; else commit_base; fi

# npm trusts only its bundled roots; where this machine reaches the registry through a
# TLS-inspecting proxy, npm ci inside the build needs the same extra CA the host's Node.js uses.
ca_args=()
host_ca=${NODE_EXTRA_CA_CERTS:-}
[[ -z "$host_ca" ]] && host_ca=$(npm config get cafile 2>/dev/null || true)
if [[ -n "$host_ca" && "$host_ca" != null && -f "$host_ca" ]]; then
  ca_args=(--volume "$(readlink -f "$host_ca"):/etc/build-ca.crt:ro" --build-arg NODE_EXTRA_CA_CERTS=/etc/build-ca.crt)
  echo "    npm inside the build trusts $host_ca as well"
fi

step "buildah bud -> $TAG"
previous=$(buildah images --noheading --format '{{.ID}}' "$TAG" 2>/dev/null | head -n1 || true)
build_t0=$(date +%s)
# Docker's format keeps the Dockerfile's HEALTHCHECK, which the OCI format drops.
buildah bud --isolation chroot --layers --network host --format docker \
  --build-arg NODE_IMAGE="$BASE_IMAGE" \
  --volume "$NPM_CACHE:/root/.npm" "${ca_args[@]}" \
  --tag "$TAG" --file Dockerfile . 2>&1 | sed -u 's/^/    /'
build_s=$(( $(date +%s) - build_t0 ))
size=$(buildah images --format '{{.Size}}' "$TAG" | head -n1)
# The image this build replaced would stay behind untagged; the build stage's layers stay as the
# cache for the next build.
current=$(buildah images --noheading --format '{{.ID}}' "$TAG" | head -n1)
if [[ -n "$previous" && "$previous" != "$current" ]]; then buildah rmi "$previous" >/dev/null 2>&1 || true; fi
echo "    built in ${build_s}s; $TAG is $size"

(( CHECK )) || { step "done (no check)"; exit 0; }

# Every process of the check is a child of this script; they are stopped by their ids.
ctr=""
runner=""
descendants() { local p; for p in $(pgrep -P "$1" || true); do echo "$p"; descendants "$p"; done; }
cleanup() {
  if [[ -n "$runner" ]] && kill -0 "$runner" 2>/dev/null; then
    local pids; pids=$(descendants "$runner" | tac)
    [[ -n "$pids" ]] && kill -TERM $pids 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$runner" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$runner" 2>/dev/null && { pids=$(descendants "$runner"); kill -KILL $pids "$runner" 2>/dev/null || true; }
    wait "$runner" 2>/dev/null || true
  fi
  [[ -n "$ctr" ]] && buildah rm "$ctr" >/dev/null 2>&1 || true
}
trap cleanup EXIT

if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/healthz"; then die "port $PORT is already in use; pass --port=N"; fi
step "check: dealerscope serve inside $TAG on 127.0.0.1:$PORT"
ctr=$(buildah from --isolation chroot --name "dealerscope-check-$$" "$TAG")
LOG="$CACHE_DIR/check.log"
admin_token=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
ready_t0=$(date +%s%N)
# The command mirrors the API Deployment (args, NODE_OPTIONS, the malloc settings) under tini, as the
# image's ENTRYPOINT would run it; buildah run takes the image's user, workdir and environment.
# tini is not PID 1 under chroot isolation, so it registers as a subreaper to reap as it would.
buildah run --isolation chroot --network host \
  --env PORT="$PORT" --env HOST=127.0.0.1 --env ADMIN_TOKEN="$admin_token" \
  --env DATABASE_URL="$DATABASE_URL_CHECK" --env LOG_LEVEL=info --env TINI_SUBREAPER=1 \
  --env NODE_OPTIONS="--max-old-space-size=256 --max-semi-space-size=1" --env MALLOC_ARENA_MAX=1 \
  --env MALLOC_MMAP_THRESHOLD_=32768 --env MALLOC_TRIM_THRESHOLD_=65536 \
  "$ctr" -- /usr/bin/tini -- dealerscope serve --no-sample > "$LOG" 2>&1 &
runner=$!
status=""
for _ in $(seq 1 600); do
  status=$(curl -s -o "$CACHE_DIR/readyz.json" -w '%{http_code}' --max-time 2 "http://127.0.0.1:$PORT/readyz" || true)
  [[ "$status" == 200 ]] && break
  kill -0 "$runner" 2>/dev/null || { tail -n 30 "$LOG" >&2; die "the service exited before it was ready (log: $LOG)"; }
  sleep 0.1
done
ready_ms=$(( ($(date +%s%N) - ready_t0) / 1000000 ))
[[ "$status" == 200 ]] || { tail -n 30 "$LOG" >&2; die "/readyz did not answer 200 within 60 s (last: ${status:-no answer}; log: $LOG)"; }
node_pid=""
for p in $(descendants "$runner"); do
  [[ "$(readlink "/proc/$p/exe" 2>/dev/null)" == */usr/local/bin/node ]] && node_pid=$p
done
uid=$(awk '/^Uid:/{print $2}' "/proc/$node_pid/status" 2>/dev/null || echo "?")
rss_kb=$(awk '/^VmRSS:/{print $2}' "/proc/$node_pid/status" 2>/dev/null || echo 0)
echo "    /readyz 200 after ${ready_ms} ms: $(cat "$CACHE_DIR/readyz.json")"
echo "    node pid $node_pid runs as uid $uid, RSS $(( rss_kb / 1024 )) MB at ready"
[[ "$uid" == 10001 ]] || die "the service runs as uid $uid, not the image's 10001"
step "stopping the service"
stop_t0=$(date +%s%N)
cleanup
trap - EXIT
echo "    stopped in $(( ($(date +%s%N) - stop_t0) / 1000000 )) ms"
echo "    summary: build ${build_s}s, image $size, ready ${ready_ms} ms, RSS $(( rss_kb / 1024 )) MB"
step "done"
