#!/usr/bin/env bash
# Installs the system packages that some tests need (tests that need a
# missing one fail or skip with a message naming it). CI runs as root on
# Debian; elsewhere this only says what is missing. Tests never use a server
# a package may start on its default port (PostgreSQL on 5432, Redis on
# 6379): they start their own (scripts/services/services.mjs). The browser
# tests of @cortex/server drive Debian's `chromium` (/usr/bin/chromium) with
# playwright-core and never download a browser; `chromium` installs without
# its recommended packages (its fonts come with fontconfig).
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
  echo "system packages missing (the tests that need them will name them): ${needed[*]}"
fi
