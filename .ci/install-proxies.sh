#!/usr/bin/env bash
# Installs the real proxy servers the egress tests start (tinyproxy, danted, microsocks) and makes sure no
# system-wide instance keeps running: each test starts its own on a free loopback port. Safe to run repeatedly.
set -euo pipefail

source "$(dirname "$0")/apt-lib.sh"

missing=()
have tinyproxy || missing+=(tinyproxy)
have danted || missing+=(dante-server)
have microsocks || missing+=(microsocks)
# The readiness tests start a private redis-server and freeze it (SIGSTOP) to blackhole it; the machine's own
# Redis on 6379 is left alone.
have redis-server || missing+=(redis-server)

if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-proxies: installing ${missing[*]}"
  apt_install_quietly "${missing[@]}"
fi

stop_services tinyproxy danted

echo "install-proxies: tinyproxy $(tinyproxy -v 2>&1 | head -n1 | awk '{print $2}'), $( (/usr/sbin/danted -v || danted -v) 2>&1 | head -n1 | awk '{print $1, $2}'), microsocks $(command -v microsocks)"
