# Shared by the .ci/install-*.sh scripts (source it). Works as root (no sudo) or as a user with sudo.

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# True when the command is on PATH or in an sbin folder PATH may lack.
have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/bin/$1" ]; }

# apt_install_quietly PKG...: installs without recommends and without letting postinst scripts start daemons.
apt_install_quietly() {
  $SUDO apt-get update
  # policy-rc.d exit 101 = "not allowed": the packages' services are not started.
  local policy=/usr/sbin/policy-rc.d created_policy="" status=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
    $SUDO chmod +x "$policy"
    created_policy=1
  fi
  # As root there is no sudo (and no -E to pass); otherwise keep DEBIAN_FRONTEND through sudo.
  DEBIAN_FRONTEND=noninteractive ${SUDO:+$SUDO -E} apt-get install -y --no-install-recommends "$@" || status=$?
  if [ -n "$created_policy" ]; then $SUDO rm -f "$policy"; fi
  return "$status"
}

# stop_services NAME...: stops and disables packaged services if an init system runs them (no-op in containers).
stop_services() {
  local service
  for service in "$@"; do
    if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
      $SUDO systemctl disable --now "$service" >/dev/null 2>&1 || true
    elif [ -x "/etc/init.d/$service" ]; then
      $SUDO "/etc/init.d/$service" stop >/dev/null 2>&1 || true
    fi
  done
}
