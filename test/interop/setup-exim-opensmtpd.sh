#!/usr/bin/env bash
# Exim and OpenSMTPD for the interop tests, from Debian's own packages (idempotent; needs root).
#
# exim4-daemon-light and opensmtpd both conflict with the installed postfix package (all three
# provide mail-transport-agent), so they are never installed: `apt-get download` fetches the
# .deb files into .tmp/interop/pkgs and `dpkg-deb -x` unpacks them into .tmp/interop/root, from
# where test/interop/mta/exim.ts and opensmtpd.ts run the binaries. Only the shared libraries
# those binaries need are installed with apt-get (libraries do not conflict with anything).
# Nothing here writes to /etc, creates users or starts a daemon.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$(pwd)

say() { printf 'interop setup (exim, opensmtpd): %s\n' "$*" >&2; }
die() {
  say "FAILED: $*"
  exit 1
}

PKG_DIR="$REPO/.tmp/interop/pkgs"
ROOT_DIR="$REPO/.tmp/interop/root"
STAMP="$ROOT_DIR/.unpacked-from"
PACKAGES=(exim4-base exim4-config exim4-daemon-light opensmtpd)
BINARIES=("$ROOT_DIR/usr/sbin/exim4" "$ROOT_DIR/usr/sbin/smtpd")
LOG=$(mktemp /tmp/mxray-interop-exim-opensmtpd.XXXXXX.log)

[ "$(uname -s)" = Linux ] || die "needs Linux (Debian 12); this is $(uname -s)"
[ "$(id -u)" = 0 ] || die "needs root (apt-get install of shared libraries; the daemons bind port 25 in a private mount namespace); run it as root, e.g. sudo bash test/interop/setup-exim-opensmtpd.sh"
for tool in apt-get apt-cache dpkg-deb dpkg-query ldd unshare mount; do
  command -v "$tool" >/dev/null 2>&1 || die "needs $tool (Debian 12: apt-get, dpkg, libc-bin, util-linux, mount)"
done

apt_opts=(-q -o DPkg::Lock::Timeout=300)
updated=no
apt_update_once() {
  [ "$updated" = yes ] && return 0
  updated=yes
  say "updating the package lists (apt-get update)"
  apt-get update "${apt_opts[@]}" >>"$LOG" 2>&1 || say "apt-get update failed (see $LOG); carrying on with the lists we have"
}

# 1. The .deb files of the candidate versions (kept between runs; re-fetched when the candidate changes).
mkdir -p "$PKG_DIR"
debs=()
for pkg in "${PACKAGES[@]}"; do
  version=$(apt-cache policy "$pkg" 2>/dev/null | awk '/Candidate:/ { print $2 }')
  if [ -z "$version" ] || [ "$version" = "(none)" ]; then
    apt_update_once
    version=$(apt-cache policy "$pkg" 2>/dev/null | awk '/Candidate:/ { print $2 }')
  fi
  { [ -n "$version" ] && [ "$version" != "(none)" ]; } || die "apt knows no candidate version of $pkg (is a Debian 12 'main' mirror in the sources?)"
  # Debian file names drop the epoch and write ':' as '%3a'; match on the package name and the upstream-revision part.
  plain=${version#*:}
  deb=$(find "$PKG_DIR" -maxdepth 1 -name "${pkg}_${plain}_*.deb" -print -quit)
  if [ -z "$deb" ]; then
    say "downloading $pkg $version"
    # The folder belongs to root: apt's _apt sandbox user cannot write there, so download as root.
    if ! (cd "$PKG_DIR" && apt-get download "${apt_opts[@]}" -o APT::Sandbox::User=root "$pkg=$version" >>"$LOG" 2>&1); then
      apt_update_once
      (cd "$PKG_DIR" && apt-get download "${apt_opts[@]}" -o APT::Sandbox::User=root "$pkg=$version" >>"$LOG" 2>&1) ||
        die "apt-get download $pkg=$version failed (log: $LOG): $(tail -n 3 "$LOG" | tr '\n' ' ')"
    fi
    deb=$(find "$PKG_DIR" -maxdepth 1 -name "${pkg}_${plain}_*.deb" -print -quit)
    [ -n "$deb" ] || die "apt-get download $pkg=$version left no ${pkg}_${plain}_*.deb in $PKG_DIR"
    # Older versions of the same package are no longer needed.
    find "$PKG_DIR" -maxdepth 1 -name "${pkg}_*.deb" ! -path "$deb" -delete
  else
    say "have $(basename "$deb")"
  fi
  dpkg-deb --info "$deb" >/dev/null 2>&1 || die "$deb is not a valid .deb (delete it and run again)"
  debs+=("$deb")
done

# 2. Unpack (again only when the set of .deb files changed or a binary is missing).
wanted=$(for d in "${debs[@]}"; do basename "$d"; done)
have_all=yes
for b in "${BINARIES[@]}"; do [ -x "$b" ] || have_all=no; done
if [ "$have_all" = yes ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$wanted" ]; then
  say "already unpacked in ${ROOT_DIR#"$REPO"/}"
else
  say "unpacking into ${ROOT_DIR#"$REPO"/}"
  rm -rf "$ROOT_DIR"
  mkdir -p "$ROOT_DIR"
  for d in "${debs[@]}"; do
    dpkg-deb -x "$d" "$ROOT_DIR" || die "dpkg-deb -x $d failed"
  done
  printf '%s\n' "$wanted" >"$STAMP"
fi
for b in "${BINARIES[@]}"; do [ -x "$b" ] || die "$b is missing after unpacking"; done

# 3. Shared libraries: the lib* packages the .deb files depend on (first alternative of each),
#    installed when missing. --no-remove: apt aborts rather than remove anything (never postfix).
installed() {
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = installed ]
}
libs=()
for d in "${debs[@]}"; do
  for dep in $(dpkg-deb -f "$d" Depends Pre-Depends | tr ',' '\n' | sed -E 's/\|.*//; s/\(.*\)//; s/:any//; s/[[:space:]]//g' | grep -E '^lib' || true); do
    installed "$dep" || libs+=("$dep")
  done
done
if [ "${#libs[@]}" -gt 0 ]; then
  mapfile -t libs < <(printf '%s\n' "${libs[@]}" | sort -u)
  say "installing shared libraries: ${libs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  install_opts=("${apt_opts[@]}" -y --no-install-recommends --no-remove)
  if ! apt-get install "${install_opts[@]}" "${libs[@]}" >>"$LOG" 2>&1; then
    apt_update_once
    apt-get install "${install_opts[@]}" "${libs[@]}" >>"$LOG" 2>&1 ||
      die "apt-get install ${libs[*]} failed (log: $LOG): $(tail -n 3 "$LOG" | tr '\n' ' ')"
  fi
else
  say "shared libraries: all dependencies already installed"
fi

# 4. Every binary finds its libraries.
for b in "${BINARIES[@]}"; do
  missing=$(ldd "$b" 2>&1 | awk '/not found/ { print $1 }' | tr '\n' ' ')
  [ -z "$missing" ] || die "$b still misses shared libraries: $missing(install the packages that provide them)"
done

# 5. Postfix stays as it was (installed, "No configuration", not running): we only check.
if installed postfix; then
  say "postfix package still installed: $(dpkg-query -W -f='${Version}' postfix)"
fi

exim_version=$(dpkg-deb -f "$PKG_DIR"/exim4-daemon-light_*.deb Version)
smtpd_version=$(dpkg-deb -f "$PKG_DIR"/opensmtpd_*.deb Version)
say "ready: exim4-daemon-light $exim_version (${BINARIES[0]#"$REPO"/}), opensmtpd $smtpd_version (${BINARIES[1]#"$REPO"/})"
rm -f "$LOG"
