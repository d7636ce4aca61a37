#!/usr/bin/env bash
# Installs the Debian packages the lab, the browser engine and the benchmarks need.
# Idempotent: exits quickly when everything is already there. Needs root (or sudo) for apt-get.
set -euo pipefail
PKGS=(nginx caddy haproxy apache2 python3-django gunicorn python3-uvicorn python3-flask python3-werkzeug
      chromium mkcert libnss3-tools openssl iproute2 procps ca-certificates)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-system-deps: all ${#PKGS[@]} packages present"
  exit 0
fi
echo "install-system-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-system-deps: not root and no sudo; install by hand: apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts some services on install (nginx, apache2, haproxy); the lab starts its own instances
# on free ports, so stop the packaged ones to keep ports 80/443 free and the machine quiet.
for svc in nginx apache2 haproxy caddy; do
  if command -v service >/dev/null 2>&1; then $SUDO service "$svc" stop >/dev/null 2>&1 || true; fi
  pkill -x "$svc" >/dev/null 2>&1 || true
done
echo "install-system-deps: done"
