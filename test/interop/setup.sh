#!/usr/bin/env bash
# Interop prerequisites, from Debian's own packages (idempotent; needs root):
#   postfix (debconf "No configuration": the system's own instance never starts and /etc/postfix
#   gets no main.cf), swaks, openssl, libidn12; knot, knot-dnsutils, unbound and iproute2 for the
#   DANE world (test/helpers/dane-world/: its own Knot and Unbound, from configs of its own, in
#   namespaces of its own; the system's services are never used); tcpdump and tshark for the
#   captures of the logs/pcap lab (tshark, Wireshark's command line, is its test oracle; asked
#   whether non-root users may capture, debconf is told no: only root captures here); then Exim and OpenSMTPD,
#   unpacked under .tmp/interop/ by setup-exim-opensmtpd.sh (they conflict with postfix as
#   installed packages).
# The tests start private instances from config folders of their own; nothing here starts a daemon.
set -euo pipefail
cd "$(dirname "$0")/../.."

say() { printf 'interop setup: %s\n' "$*" >&2; }
die() {
  say "$*"
  exit 1
}

[ "$(uname -s)" = Linux ] || die "needs Linux (Debian 12); this is $(uname -s)"
[ "$(id -u)" = 0 ] || die "needs root to install postfix, swaks, openssl and libidn12 with apt-get (run it as root, e.g. sudo bash test/interop/setup.sh); the interop tests are skipped without them"
command -v apt-get >/dev/null 2>&1 || die "needs apt-get (Debian or Ubuntu); install postfix, swaks, openssl and libidn12 by hand"
command -v dpkg-query >/dev/null 2>&1 || die "needs dpkg-query"

# swaks needs Net::SSLeay for --tls (a Recommends, which --no-install-recommends would leave out).
# The DANE world: knot (knotd, knotc), knot-dnsutils (kdig), unbound, iproute2 (ip); unshare comes
# with util-linux, which every Debian has.
# The logs/pcap lab: tcpdump captures on loopback, tshark dissects the captures as the oracle.
PACKAGES=(postfix swaks libnet-ssleay-perl openssl libidn12 knot knot-dnsutils unbound iproute2 tcpdump tshark)
# Daemons whose packages start a system service on install (Debian's default).
SERVICES=(knot unbound)

installed() {
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = installed ]
}

missing=()
for p in "${PACKAGES[@]}"; do installed "$p" || missing+=("$p"); done

# Services whose package this run installs: they must not run (nor start at boot) because of us.
fresh_services=()
for p in "${SERVICES[@]}"; do installed "$p" || fresh_services+=("$p"); done

if [ "${#missing[@]}" -gt 0 ]; then
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # invoke-rc.d and deb-systemd-invoke ask policy-rc.d before starting a service: "101, no" while
  # we install. A policy-rc.d already there (containers have one) is the machine's, left as it is.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\n# mxray interop setup: no service starts while it installs packages\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  # Postfix with "No configuration": no main.cf, so the system-wide instance never starts.
  if ! installed postfix; then
    command -v debconf-set-selections >/dev/null 2>&1 || die "needs debconf-set-selections (package debconf)"
    echo 'postfix postfix/main_mailer_type select No configuration' | debconf-set-selections
  fi
  # wireshark-common (pulled in by tshark) asks whether non-root users may capture: no (no
  # setuid dumpcap, no wireshark group); the lab captures with tcpdump as root.
  if ! installed wireshark-common; then
    command -v debconf-set-selections >/dev/null 2>&1 || die "needs debconf-set-selections (package debconf)"
    echo 'wireshark-common wireshark-common/install-setuid boolean false' | debconf-set-selections
  fi
  # Another apt process (e.g. `apt-get download` of the Exim/OpenSMTPD helper) may hold a lock: wait for it.
  apt_opts=(-y -q -o DPkg::Lock::Timeout=300 -o Dpkg::Options::=--force-confold --no-install-recommends)
  if ! apt-get install "${apt_opts[@]}" "${missing[@]}" >/tmp/mxray-interop-apt.log 2>&1; then
    say "apt-get install failed; updating the package lists and trying once more"
    apt-get update -q -o DPkg::Lock::Timeout=300 >>/tmp/mxray-interop-apt.log 2>&1 || true
    apt-get install "${apt_opts[@]}" "${missing[@]}" >>/tmp/mxray-interop-apt.log 2>&1 ||
      die "apt-get install ${missing[*]} failed (log: /tmp/mxray-interop-apt.log): $(tail -n 5 /tmp/mxray-interop-apt.log | tr '\n' ' ')"
  fi
fi

for p in "${PACKAGES[@]}"; do installed "$p" || die "package $p is still not installed"; done
for tool in /usr/sbin/postfix /usr/sbin/postconf /usr/sbin/posttls-finger /usr/lib/postfix/sbin/master /usr/bin/swaks /usr/bin/openssl \
  /usr/sbin/knotd /usr/sbin/knotc /usr/bin/kdig /usr/sbin/unbound /usr/sbin/unbound-checkconf /usr/sbin/ip /usr/bin/unshare \
  /usr/bin/tcpdump /usr/bin/tshark; do
  [ -x "$tool" ] || die "$tool is missing after the install"
done

# The services we just installed stay off: disabled at boot (unbound's would also take over
# /etc/resolv.conf through resolvconf), and stopped should one have started anyway. A service
# that was installed before this run is the machine's business: only noted.
pidfile_of() { case "$1" in knot) echo /run/knot/knot.pid ;; unbound) echo /run/unbound.pid ;; esac; }
for s in "${SERVICES[@]}"; do
  fresh=no
  for f in "${fresh_services[@]}"; do [ "$f" = "$s" ] && fresh=yes; done
  pidfile=$(pidfile_of "$s")
  pid=$(cat "$pidfile" 2>/dev/null || true)
  running=no
  case "$pid" in '' | *[!0-9]*) ;; *) [ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" = "${s/knot/knotd}" ] && running=yes ;; esac
  if [ "$fresh" = yes ]; then
    if command -v systemctl >/dev/null 2>&1; then
      systemctl disable "$s" >/dev/null 2>&1 || true
      [ "$s" = unbound ] && { systemctl disable unbound-resolvconf >/dev/null 2>&1 || true; }
    fi
    if [ "$running" = yes ]; then
      say "stopping the $s service its package started (pid $pid)"
      if [ -d /run/systemd/system ]; then systemctl stop "$s" >/dev/null 2>&1 || kill "$pid"; else kill "$pid"; fi
    fi
  elif [ "$running" = yes ]; then
    say "note: the system's $s runs (pid $pid); the DANE world does not use it (its own instances run in a network namespace of their own)"
  fi
done
# The private instances need the accounts the package created.
getent passwd postfix >/dev/null || die "the postfix user is missing (package postfix did not configure)"
getent group postdrop >/dev/null || die "the postdrop group is missing (package postfix did not configure)"

# The system's own Postfix must stay unconfigured and stopped: the tests never touch it.
if [ -f /etc/postfix/main.cf ]; then
  say "note: /etc/postfix/main.cf exists (postfix was configured before); the tests do not use or change it"
fi

say "postfix $(postconf -d -h mail_version 2>/dev/null), $(openssl version), swaks $(swaks --version 2>/dev/null | head -n 1 | awk '{print $NF}'), knot $(knotd -V 2>/dev/null | awk '{print $NF}'), $(unbound -V 2>/dev/null | head -n 1 | tr 'V' 'v' | sed 's/version/unbound/'), $(tcpdump --version 2>/dev/null | head -n 1), $(tshark --version 2>/dev/null | head -n 1 | awk '{print $1, $2, $3}')"

if [ -f test/interop/setup-exim-opensmtpd.sh ]; then
  say "running test/interop/setup-exim-opensmtpd.sh"
  bash test/interop/setup-exim-opensmtpd.sh || die "test/interop/setup-exim-opensmtpd.sh failed (exit $?)"
else
  say "note: test/interop/setup-exim-opensmtpd.sh is not there: Exim and OpenSMTPD rows will be skipped"
fi
say "ready"
