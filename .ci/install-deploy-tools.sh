#!/usr/bin/env bash
# Installs the tools test/e2e/deploy-manifests.e2e.ts runs against the deployment files, from Debian's packages:
#   promtool        (package prometheus)      `promtool check rules` / `check config` on deploy/prometheus
#   docker-compose  (package docker-compose)  `docker-compose config`: the Compose file against its schema, offline
#   nginx           (package nginx)           `nginx -t` on deploy/compose/nginx.conf (the compose load balancer)
#   xmllint         (package libxml2-utils)   well-formedness of deploy/compose/clickhouse-users.xml
# and reports whether a real kustomize is on the machine (`kustomize`, or `kubectl kustomize`). Debian has no
# current kustomize or kubectl (bookworm's kubernetes-client is 1.20 with kustomize v2.0.3, too old for this
# kustomization), so none is installed here: the node-svc machines ship kubectl (with kustomize v5) already.
# Kubernetes schema validation needs no system tool: it uses the npm package kubernetes-models.
# Safe to run repeatedly; works as root (no sudo) or as a user with sudo. Never starts a daemon.
set -euo pipefail

source "$(dirname "$0")/apt-lib.sh"

missing=()
have promtool || missing+=(prometheus)
have docker-compose || missing+=(docker-compose)
have nginx || missing+=(nginx)
have xmllint || missing+=(libxml2-utils)

if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-deploy-tools: installing ${missing[*]}"
  # No recommends: prometheus would pull node-exporter and friends, docker-compose the docker.io engine.
  apt_install_quietly "${missing[@]}"
fi

# The packages enable their servers; this machine only needs promtool and `nginx -t`.
stop_services prometheus nginx

if have kustomize; then
  kustomize_version="kustomize $(kustomize version 2>/dev/null | head -n1)"
elif have kubectl && kubectl kustomize --help >/dev/null 2>&1; then
  kustomize_version="kubectl kustomize ($(kubectl version --client 2>/dev/null | grep -i kustomize | head -n1))"
else
  kustomize_version="none: the kustomize build check of the deploy test will be skipped"
fi

nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
echo "install-deploy-tools: $(promtool --version 2>&1 | head -n1), docker-compose $(docker-compose version --short 2>/dev/null), $("$nginx_bin" -v 2>&1), $(xmllint --version 2>&1 | head -n1), kustomize: $kustomize_version"
