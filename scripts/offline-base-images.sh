#!/usr/bin/env bash
# Build local stand-ins for the Docker base images this project's Dockerfile uses, for machines
# that reach the Debian mirror and the package registries (PyPI, crates.io) but no container
# registry (`docker pull` fails). Each stand-in is a Debian bookworm rootfs made with debootstrap
# and loaded with `docker import`, tagged with the name the Dockerfile's build args default to:
#
#   python:3.11-slim-bookworm  Debian's python3 (3.11), pip and venv; `python`/`pip` on PATH,
#                              no EXTERNALLY-MANAGED marker (pip installs like in the official image)
#   rust:1-slim-bookworm       gcc, libc6-dev and this machine's rustup "stable" toolchain, laid
#                              out as in the official image (RUSTUP_HOME=/usr/local/rustup,
#                              CARGO_HOME=/usr/local/cargo, /usr/local/cargo/bin on PATH; the
#                              toolchain's bin/ is on PATH too, as there is no rustup)
#   debian:bookworm-slim       only with --debian (the Dockerfile does not need it)
#
# Usage (root; needs debootstrap and a running docker engine):
#   scripts/offline-base-images.sh [--force] [--debian] [--only python|rust|debian]...
# Environment (all optional):
#   PYTHON_IMAGE, RUST_IMAGE, DEBIAN_IMAGE  tags to create (defaults above; keep them equal to the
#                                           Dockerfile's build args)
#   MIRROR        Debian mirror (default: the first `URIs:` of /etc/apt/sources.list.d/*.sources)
#   SUITE         default bookworm
#   RUST_TOOLCHAIN  toolchain directory to copy
#                 (default ${RUSTUP_HOME:-$HOME/.rustup}/toolchains/stable-x86_64-unknown-linux-gnu)
#   WORK_DIR      scratch space for the rootfs trees and the .deb cache
#                 (default /var/tmp/offline-base-images; removed on success except the cache)
#
# Images that already exist are kept (the script says so) unless --force is given.
# The storage driver vfs copies every layer in full, so the stand-ins are kept small: no docs,
# man pages, apt lists or .deb files, and only the toolchain's bin/, lib/ and libexec/ (its
# share/ is ~800 MB of HTML docs).
set -euo pipefail

PYTHON_IMAGE=${PYTHON_IMAGE:-python:3.11-slim-bookworm}
RUST_IMAGE=${RUST_IMAGE:-rust:1-slim-bookworm}
DEBIAN_IMAGE=${DEBIAN_IMAGE:-debian:bookworm-slim}
SUITE=${SUITE:-bookworm}
WORK_DIR=${WORK_DIR:-/var/tmp/offline-base-images}
RUST_TOOLCHAIN=${RUST_TOOLCHAIN:-${RUSTUP_HOME:-$HOME/.rustup}/toolchains/stable-x86_64-unknown-linux-gnu}

FORCE=0
ONLY=()
WITH_DEBIAN=0

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }

while (($#)); do
    case $1 in
        --force) FORCE=1 ;;
        --debian) WITH_DEBIAN=1 ;;
        --only) shift; [[ $# -gt 0 ]] || die "--only needs python, rust or debian"; ONLY+=("$1") ;;
        -h|--help) usage; exit 0 ;;
        *) die "unknown argument: $1 (see --help)" ;;
    esac
    shift
done
if ((${#ONLY[@]} == 0)); then
    ONLY=(python rust)
    ((WITH_DEBIAN)) && ONLY+=(debian)
fi
for what in "${ONLY[@]}"; do
    case $what in python|rust|debian) ;; *) die "--only: unknown image '$what'" ;; esac
done

# ---------------------------------------------------------------------------------------------
# Preconditions

[[ $(id -u) -eq 0 ]] || die "run as root (debootstrap and docker import need it)"
command -v debootstrap >/dev/null || die "debootstrap is missing: apt-get install -y debootstrap"
command -v docker >/dev/null || die "docker is missing: apt-get install -y docker.io"
docker info >/dev/null 2>&1 || die "the docker engine does not answer; start it, e.g.
    setsid dockerd --storage-driver=vfs >/tmp/dockerd.log 2>&1 &"

if [[ -z ${MIRROR:-} ]]; then
    MIRROR=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/*.sources \
        2>/dev/null || true)
fi
if [[ -z ${MIRROR:-} && -r /etc/apt/sources.list ]]; then
    MIRROR=$(awk '$1 == "deb" && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list || true)
fi
MIRROR=${MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=$(awk '/^URIs:/ && $2 ~ /security/ {print $2; exit}' \
    /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
SECURITY_MIRROR=${SECURITY_MIRROR:-http://deb.debian.org/debian-security}
HOST_CA=/etc/ssl/certs/ca-certificates.crt
[[ -r $HOST_CA ]] || die "no CA bundle at $HOST_CA (apt-get install -y ca-certificates)"

say "mirror $MIRROR ($SUITE), security $SECURITY_MIRROR, scratch $WORK_DIR"
mkdir -p "$WORK_DIR/debs"

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

# ---------------------------------------------------------------------------------------------
# Root filesystems

# make_rootfs DIR PACKAGES: a minbase bookworm with PACKAGES, the host's CAs, official-image-like
# apt settings, cleaned of docs and caches.
make_rootfs() {
    local dir=$1 include=$2
    rm -rf "$dir"
    say "debootstrap $SUITE minbase + $include -> $dir (about 1-2 minutes)"
    debootstrap --variant=minbase --include="$include" --cache-dir="$WORK_DIR/debs" \
        "$SUITE" "$dir" "$MIRROR" >"$dir.debootstrap.log" 2>&1 \
        || { tail -n 30 "$dir.debootstrap.log" >&2; die "debootstrap failed (log $dir.debootstrap.log)"; }

    # apt sources as in the official images (deb822, with updates and security).
    rm -f "$dir/etc/apt/sources.list"
    cat >"$dir/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $MIRROR
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $SECURITY_MIRROR
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    # The apt settings of the official Debian images: no .deb cache, no translations.
    cat >"$dir/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
    echo 'Acquire::Languages "none";' >"$dir/etc/apt/apt.conf.d/docker-no-languages"
    echo 'APT::AutoRemove::SuggestsImportant "false";' >"$dir/etc/apt/apt.conf.d/docker-autoremove-suggests"

    # TLS inside builds (pip, cargo, apt over https) goes through this machine's CAs: install the
    # host's bundle, and its local CAs where update-ca-certificates finds them again (a Dockerfile
    # that reinstalls ca-certificates regenerates the bundle from those).
    install -D -m 0644 "$HOST_CA" "$dir/etc/ssl/certs/ca-certificates.crt"
    if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
        mkdir -p "$dir/usr/local/share/ca-certificates"
        cp /usr/local/share/ca-certificates/*.crt "$dir/usr/local/share/ca-certificates/"
    fi

    rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/* \
        "$dir"/usr/share/doc/* "$dir"/usr/share/man/* "$dir"/usr/share/info/* \
        "$dir"/var/log/*.log "$dir"/var/log/apt/* "$dir"/tmp/* "$dir"/root/.cache
    : >"$dir/etc/machine-id"
    printf 'localhost\n' >"$dir/etc/hostname"
}

# import_rootfs DIR TAG CHANGES...: docker import with --change instructions.
import_rootfs() {
    local dir=$1 tag=$2
    shift 2
    local changes=()
    for c in "$@"; do changes+=(--change "$c"); done
    say "docker import $dir -> $tag ($(du -sh "$dir" | cut -f1))"
    tar --numeric-owner --xattrs -C "$dir" -c . \
        | docker import "${changes[@]}" --message "offline stand-in for $tag (debootstrap $SUITE)" - "$tag" >/dev/null
    docker image ls "$tag" >&2
}

skip_existing() {
    if image_exists "$1" && ((FORCE == 0)); then
        say "$1 exists, kept (--force rebuilds it)"
        return 0
    fi
    return 1
}

STD_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# ---------------------------------------------------------------------------------------------
# python:3.11-slim-bookworm

build_python() {
    skip_existing "$PYTHON_IMAGE" && return 0
    local dir=$WORK_DIR/python
    make_rootfs "$dir" python3,python3-pip,python3-venv,ca-certificates,netbase,tzdata
    # pip installs into /usr/local like in the official image (which has no PEP 668 marker).
    rm -f "$dir"/usr/lib/python3*/EXTERNALLY-MANAGED
    ln -sf /usr/bin/python3 "$dir/usr/local/bin/python"
    ln -sf /usr/bin/pip3 "$dir/usr/local/bin/pip"
    local version
    version=$(chroot "$dir" python3 -c 'import platform; print(platform.python_version())')
    say "python stand-in: Python $version"
    import_rootfs "$dir" "$PYTHON_IMAGE" \
        "ENV PATH=$STD_PATH" "ENV LANG=C.UTF-8" "ENV PYTHON_VERSION=$version" 'CMD ["python3"]'
    docker run --rm --network none "$PYTHON_IMAGE" sh -c 'python --version && pip --version' >&2 \
        || die "python or pip does not run in $PYTHON_IMAGE"
    rm -rf "$dir"
}

# ---------------------------------------------------------------------------------------------
# rust:1-slim-bookworm

build_rust() {
    skip_existing "$RUST_IMAGE" && return 0
    [[ -x $RUST_TOOLCHAIN/bin/rustc && -x $RUST_TOOLCHAIN/bin/cargo ]] \
        || die "no Rust toolchain at $RUST_TOOLCHAIN (set RUST_TOOLCHAIN to a rustup toolchain dir)"
    local dir=$WORK_DIR/rust name version
    name=$(basename "$RUST_TOOLCHAIN")
    make_rootfs "$dir" ca-certificates,gcc,libc6-dev,netbase
    local dest=$dir/usr/local/rustup/toolchains/$name
    say "copying the toolchain $RUST_TOOLCHAIN (bin, lib, libexec, etc; no share/ docs)"
    mkdir -p "$dest" "$dir/usr/local/cargo/bin"
    for sub in bin lib libexec etc; do
        [[ -e $RUST_TOOLCHAIN/$sub ]] && cp -a "$RUST_TOOLCHAIN/$sub" "$dest/"
    done
    rm -f "$dest"/bin/rust-gdb "$dest"/bin/rust-gdbgui "$dest"/bin/rust-lldb
    # The official image has rustup proxies in /usr/local/cargo/bin. Without rustup (nothing
    # could be downloaded here anyway) the toolchain's own bin/ goes on PATH, after the (empty)
    # cargo bin directory that `cargo install` would use.
    printf 'default_toolchain = "%s"\nprofile = "minimal"\nversion = "12"\n' "$name" \
        >"$dir/usr/local/rustup/settings.toml"
    chmod -R a+rX,g+w "$dir/usr/local/rustup" "$dir/usr/local/cargo"
    local rust_path=/usr/local/cargo/bin:/usr/local/rustup/toolchains/$name/bin:$STD_PATH
    version=$("$RUST_TOOLCHAIN/bin/rustc" --version)
    say "rust stand-in: $version"
    import_rootfs "$dir" "$RUST_IMAGE" \
        "ENV RUSTUP_HOME=/usr/local/rustup" "ENV CARGO_HOME=/usr/local/cargo" \
        "ENV PATH=$rust_path" "ENV RUST_VERSION=$(awk '{print $2}' <<<"$version")" \
        'CMD ["bash"]'
    # The real test (rustc finds its libraries through $ORIGIN, which needs a mounted /proc).
    docker run --rm --network none "$RUST_IMAGE" sh -c 'rustc --version && cargo --version && cc --version | head -n 1' >&2 \
        || die "the toolchain does not run in $RUST_IMAGE"
    rm -rf "$dir"
}

# ---------------------------------------------------------------------------------------------
# debian:bookworm-slim

build_debian() {
    skip_existing "$DEBIAN_IMAGE" && return 0
    local dir=$WORK_DIR/debian
    make_rootfs "$dir" ca-certificates
    import_rootfs "$dir" "$DEBIAN_IMAGE" "ENV PATH=$STD_PATH" 'CMD ["bash"]'
    rm -rf "$dir"
}

for what in "${ONLY[@]}"; do
    "build_$what"
done
rm -f "$WORK_DIR"/*.debootstrap.log
say "done; .deb cache kept in $WORK_DIR/debs (delete it to free the space)"
docker image ls --format '{{.Repository}}:{{.Tag}}\t{{.Size}}' | grep -E "^(${PYTHON_IMAGE%%:*}|${RUST_IMAGE%%:*}|${DEBIAN_IMAGE%%:*}):" >&2 || true
