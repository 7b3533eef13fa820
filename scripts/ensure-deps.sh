#!/bin/sh
# Installs dependencies when they are missing or package-lock.json changed since the last install,
# so a fresh clone needs one command and an up-to-date one pays only a hash.
set -e
cd "$(dirname "$0")/.."
stamp=node_modules/.mail-tracker-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -d node_modules ]; then
  echo "Installing dependencies (npm ci)..." >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
elif [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "package-lock.json changed: installing dependencies (npm install)..." >&2
  npm install --no-audit --no-fund --loglevel=error >&2
fi
echo "$want" > "$stamp"
