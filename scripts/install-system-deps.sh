#!/usr/bin/env bash
# Installs the Debian packages the tests need, only when they are missing: chromium for the
# browser tests, a JDK for the fast SHACL engine (TopQuadrant's, driven by a small Java class),
# nginx for the reverse proxy that must stand in front of the service (server/nginx/, tests/service/test_slow_clients.py).
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v javac >/dev/null 2>&1 || missing+=(openjdk-17-jdk-headless)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "install-system-deps: ${missing[*]} missing; run as root or: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "install-system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
