#!/usr/bin/env bash
# Installs the system packages that some tests need (they skip, naming the
# package, when it is missing). CI runs as root on Debian; elsewhere this
# only says what is missing.
set -euo pipefail
needed=()
for pkg in "$@"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || needed+=("$pkg")
done
if [ ${#needed[@]} -eq 0 ]; then
  echo "system packages: nothing to install"
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${needed[@]}"
else
  echo "system packages missing (tests that need them will be skipped): ${needed[*]}"
fi
