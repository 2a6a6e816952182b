#!/usr/bin/env bash
# Installs the real proxy servers the egress tests start (tinyproxy, danted, microsocks) and makes sure no
# system-wide instance keeps running: each test starts its own on a free loopback port. Safe to run repeatedly.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/bin/$1" ]; }

missing=()
have tinyproxy || missing+=(tinyproxy)
have danted || missing+=(dante-server)
have microsocks || missing+=(microsocks)

if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-proxies: installing ${missing[*]}"
  $SUDO apt-get update
  # Don't let the packages' postinst start their services (policy-rc.d exit 101 = "not allowed").
  policy=/usr/sbin/policy-rc.d
  created_policy=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
    $SUDO chmod +x "$policy"
    created_policy=1
  fi
  # As root there is no sudo (and no -E to pass); otherwise keep DEBIAN_FRONTEND through sudo.
  DEBIAN_FRONTEND=noninteractive ${SUDO:+$SUDO -E} apt-get install -y tinyproxy dante-server microsocks || status=$?
  if [ -n "$created_policy" ]; then $SUDO rm -f "$policy"; fi
  if [ "${status:-0}" -ne 0 ]; then exit "$status"; fi
fi

# Stop and disable the packaged services if an init system runs them (no-ops in containers without one).
for service in tinyproxy danted; do
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    $SUDO systemctl disable --now "$service" >/dev/null 2>&1 || true
  elif [ -x "/etc/init.d/$service" ]; then
    $SUDO "/etc/init.d/$service" stop >/dev/null 2>&1 || true
  fi
done

echo "install-proxies: tinyproxy $(tinyproxy -v 2>&1 | head -n1 | awk '{print $2}'), $( (/usr/sbin/danted -v || danted -v) 2>&1 | head -n1 | awk '{print $1, $2}'), microsocks $(command -v microsocks)"
