#!/usr/bin/env bash
# Rebuild the single initial migration from the models (pre-release only:
# once a release ships, add new migrations with `podcaster db migrate` instead).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rm -f podcaster/migrations/versions/*.py
export PODCASTER_DATABASE_URL="sqlite:///$tmp/schema.sqlite" PODCASTER_MEDIA_ROOT="$tmp/media"
podcaster=${PODCASTER_BIN:-podcaster}
"$podcaster" db migrate -m "initial schema" --rev-id 0001
ls podcaster/migrations/versions/
