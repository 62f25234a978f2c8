#!/usr/bin/env bash
# Builds etcd, kube-apiserver, kube-controller-manager and kubectl (plus any extra Kubernetes commands named as
# arguments) from their published Go modules into a cache outside the repository, and prints the directory holding
# them on stdout. Idempotent: binaries already in the cache are not rebuilt.
#
# Why a wrapper module: k8s.io/kubernetes points its k8s.io/* staging modules at ./staging with replace directives,
# which `go install pkg@version` refuses and which do not exist in the module zip. A throw-away module that requires
# k8s.io/kubernetes and pins every staging module to the matching v0.x release lets `go build` resolve the main
# packages normally (replace directives of dependencies are ignored). etcd's server module has the same problem with
# its sibling modules and gets its own wrapper, so its dependency versions are not mixed with Kubernetes'.
#
# Environment:
#   KUBEBUILDER_ASSETS       if it already holds etcd, kube-apiserver and kubectl, those are used; envtest assets
#                            have no kube-controller-manager, so it is built at the assets' own Kubernetes version
#                            and the script prints a directory of links to both
#   MEDALLION_CACHE          cache root (default ~/.cache/medallion)
#   MEDALLION_K8S_VERSION    Kubernetes release (default v1.35.4; needs Go >= 1.25)
#   MEDALLION_ETCD_VERSION   etcd release (default v3.6.5, the one that Kubernetes release is tested with)
#   MEDALLION_GO_BUILD_JOBS  parallel compile jobs (default 2); the build runs under `nice` so it yields to others
set -euo pipefail

K8S_VERSION="${MEDALLION_K8S_VERSION:-v1.35.4}"
ETCD_VERSION="${MEDALLION_ETCD_VERSION:-v3.6.5}"
CACHE="${MEDALLION_CACHE:-$HOME/.cache/medallion}"
JOBS="${MEDALLION_GO_BUILD_JOBS:-2}"
BIN="$CACHE/k8s/$K8S_VERSION/bin"
SRC="$CACHE/k8s/$K8S_VERSION/src"
COMMANDS=(kube-apiserver kube-controller-manager kubectl "$@")

log() { printf '[setup-apiserver] %s\n' "$*" >&2; }

have_all() {
  local dir="$1" name
  for name in etcd "${COMMANDS[@]}"; do
    [[ -x "$dir/$name" ]] || return 1
  done
}

if [[ -n "${KUBEBUILDER_ASSETS:-}" ]] && have_all "$KUBEBUILDER_ASSETS"; then
  log "using KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS"
  echo "$KUBEBUILDER_ASSETS"
  exit 0
fi
ASSETS=""
if [[ -n "${KUBEBUILDER_ASSETS:-}" ]] && [[ -x "$KUBEBUILDER_ASSETS/etcd" && -x "$KUBEBUILDER_ASSETS/kube-apiserver" && -x "$KUBEBUILDER_ASSETS/kubectl" ]]; then
  # envtest assets: build only what they lack, at their Kubernetes version (controller-manager/apiserver skew).
  ASSETS="$KUBEBUILDER_ASSETS"
  K8S_VERSION="$("$ASSETS/kube-apiserver" --version | awk '{print $2}')"
  BIN="$CACHE/k8s/$K8S_VERSION/bin"
  SRC="$CACHE/k8s/$K8S_VERSION/src"
  rest=()
  for name in "${COMMANDS[@]}"; do [[ -x "$ASSETS/$name" ]] || rest+=("$name"); done
  COMMANDS=("${rest[@]}")
  log "using etcd, kube-apiserver and kubectl from KUBEBUILDER_ASSETS=$ASSETS ($K8S_VERSION); building ${COMMANDS[*]}"
fi
# The directory to print: the cache, or (with envtest assets) links to the assets and the commands built for them.
link_assets() {
  [[ -n "$ASSETS" ]] || { echo "$BIN"; return; }
  local out="$CACHE/k8s/$K8S_VERSION/with-assets" name
  mkdir -p "$out"
  for name in "$ASSETS"/*; do ln -sfn "$name" "$out/$(basename "$name")"; done
  for name in "${COMMANDS[@]}"; do ln -sfn "$BIN/$name" "$out/$name"; done
  echo "$out"
}
have_built() {
  local name
  for name in "${COMMANDS[@]}"; do [[ -x "$BIN/$name" ]] || return 1; done
  [[ -n "$ASSETS" || -x "$BIN/etcd" ]]
}
if have_built; then
  log "cached: $BIN"
  link_assets
  exit 0
fi
# One build at a time per cache: test/image/prepare.sh may be building these in the background (CI starts it early)
# while a test group asks for them; the second caller waits here and then finds them built.
mkdir -p "$CACHE/k8s"
exec {lock}>"$CACHE/k8s/.build.lock"
if ! flock -n "$lock"; then
  log "waiting for another build of the control plane's binaries (a background test/image/prepare.sh?)"
  flock "$lock"
fi
if have_built; then
  log "cached: $BIN"
  link_assets
  exit 0
fi

command -v go >/dev/null || { log "Go >= 1.25 is required to build the test control plane"; exit 1; }
mkdir -p "$BIN" "$SRC/kubernetes" "$SRC/etcd"

# Small, static, reproducible binaries; no VCS stamping (the module cache has no .git).
export CGO_ENABLED=0
export GOFLAGS="-trimpath -buildvcs=false"
BUILD=(nice -n 10 go build -p "$JOBS")

minor="${K8S_VERSION#v1.}"
minor="${minor%%.*}"
patch="${K8S_VERSION##*.}"
staging_version="v0.$minor.$patch"

build_etcd() {
  [[ -x "$BIN/etcd" || -n "$ASSETS" ]] && return 0
  log "building etcd $ETCD_VERSION"
  (
    cd "$SRC/etcd"
    cat >go.mod <<EOF
module medallion.dev/test-etcd

go 1.25.0

require go.etcd.io/etcd/server/v3 $ETCD_VERSION

tool go.etcd.io/etcd/server/v3
EOF
    # The server module's siblings (api, client, pkg) are published at the same version.
    for m in api/v3 client/pkg/v3 client/v3 pkg/v3; do
      go mod edit -require="go.etcd.io/etcd/$m@$ETCD_VERSION"
    done
    go mod tidy >&2
    "${BUILD[@]}" -ldflags='-s -w' -o "$BIN/etcd.tmp" go.etcd.io/etcd/server/v3
    mv "$BIN/etcd.tmp" "$BIN/etcd"
  )
}

build_kubernetes() {
  local missing=() name
  for name in "${COMMANDS[@]}"; do
    [[ -x "$BIN/$name" ]] || missing+=("$name")
  done
  ((${#missing[@]})) || return 0
  log "building ${missing[*]} from k8s.io/kubernetes $K8S_VERSION (staging modules $staging_version)"
  (
    cd "$SRC/kubernetes"
    local dir gomod
    dir="$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
    gomod="$dir/go.mod"
    {
      echo "module medallion.dev/test-kubernetes"
      echo
      # Keep the language version and GODEBUG defaults that Kubernetes itself builds with.
      grep -E '^(go|godebug) ' "$gomod"
      echo
      echo "require k8s.io/kubernetes $K8S_VERSION"
    } >go.mod
    # Every `k8s.io/x => ./staging/src/k8s.io/x` replace becomes a requirement on the published release.
    sed -n 's#^[[:space:]]*\(k8s\.io/[a-z0-9-]*\) => \./staging/src/.*#\1#p' "$gomod" | while read -r mod; do
      go mod edit -require="$mod@$staging_version"
    done
    for name in "${missing[@]}"; do
      go mod edit -tool="k8s.io/kubernetes/cmd/$name"
    done
    go mod tidy >&2
    local pkg=k8s.io/component-base/version
    local ldflags="-s -w -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    ldflags+=" -X $pkg.gitTreeState=clean -X k8s.io/client-go/pkg/version.gitVersion=$K8S_VERSION"
    # One `go build` for all of them: the packages they share compile once and the links run side by side.
    log "go build ${missing[*]}"
    rm -rf "$BIN/.new" && mkdir "$BIN/.new"
    "${BUILD[@]}" -ldflags="$ldflags" -o "$BIN/.new/" "${missing[@]/#/k8s.io/kubernetes/cmd/}"
    for name in "${missing[@]}"; do mv "$BIN/.new/$name" "$BIN/$name"; done
    rmdir "$BIN/.new"
  )
}

start=$(date +%s)
build_etcd
build_kubernetes
log "done in $(($(date +%s) - start)) s: $BIN"
link_assets
