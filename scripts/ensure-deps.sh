#!/bin/sh
# Installs dependencies when they are missing or package-lock.json changed since the last install,
# so a fresh clone needs one command and an up-to-date one pays only a hash.
set -e
cd "$(dirname "$0")/.."
stamp=node_modules/.mail-tracker-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
# npm install, not npm ci: it follows the lockfile too, and npm ci refuses this lockfile because npm leaves out
# the other platforms' optional workerd binaries when it writes it.
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "Installing dependencies from package-lock.json..." >&2
  npm install --no-audit --no-fund --loglevel=error >&2
  want=$(sha256sum package-lock.json | cut -d' ' -f1)
fi
echo "$want" > "$stamp"
