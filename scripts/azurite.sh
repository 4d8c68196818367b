#!/usr/bin/env bash
# Azurite (Azure Storage's emulator) on this machine, for rehearsing run
# state shared by a team: starts the blob service on 127.0.0.1:10000 (data
# in .azurite/ beside this repository's root), creates a container, and
# prints the DRPLAN_STATE line to export, with a SAS for the emulator's
# well-known development account (never a real one).
#
#   scripts/azurite.sh start [CONTAINER]   # default container: drplan-runs
#   scripts/azurite.sh stop
#
# Needs node and npm (Azurite is pinned in tests/azurite/package-lock.json),
# curl and openssl.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
data="$root/.azurite"
port="${AZURITE_PORT:-10000}"
account=devstoreaccount1
# The development account's published key: Azurite's, and nothing else's.
key='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='

sas() {
  local st se sv=2021-08-06 sp=racwdl hexkey sts sig
  st="$(date -u -d '-5 minutes' +%Y-%m-%dT%H:%M:%SZ)"
  se="$(date -u -d '+7 days' +%Y-%m-%dT%H:%M:%SZ)"
  hexkey="$(printf '%s' "$key" | base64 -d | od -An -tx1 | tr -d ' \n')"
  sts="$(printf '%s\n%s\nb\nsco\n%s\n%s\n\nhttps,http\n%s\n\n' "$account" "$sp" "$st" "$se" "$sv")"
  sig="$(printf '%s\n\n' "$sts" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$hexkey" -binary | base64 | sed 's/+/%2B/g; s/\//%2F/g; s/=/%3D/g')"
  printf 'sv=%s&ss=b&srt=sco&sp=%s&st=%s&se=%s&spr=https,http&sig=%s' "$sv" "$sp" "$st" "$se" "$sig"
}

case "${1:-start}" in
  start)
    container="${2:-drplan-runs}"
    if [[ ! -d "$root/tests/azurite/node_modules/azurite" ]]; then
      (cd "$root/tests/azurite" && npm ci --no-audit --no-fund >/dev/null)
    fi
    mkdir -p "$data"
    if [[ ! -f "$data/pid" ]] || ! kill -0 "$(cat "$data/pid")" 2>/dev/null; then
      node "$root/tests/azurite/node_modules/azurite/dist/src/blob/main.js" \
        --location "$data" --blobHost 127.0.0.1 --blobPort "$port" \
        --disableTelemetry --skipApiVersionCheck --silent >"$data/azurite.log" 2>&1 &
      echo $! >"$data/pid"
      for _ in $(seq 1 100); do
        curl -s -o /dev/null "http://127.0.0.1:$port/" && break
        sleep 0.1
      done
    fi
    query="$(sas)"
    url="http://127.0.0.1:$port/$account/$container"
    code="$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H 'x-ms-version: 2021-08-06' \
      -H 'Content-Length: 0' "$url?restype=container&$query")"
    case "$code" in
      201 | 409) ;;
      *) echo "creating container $container: HTTP $code (see $data/azurite.log)" >&2; exit 1 ;;
    esac
    echo "Azurite listens on 127.0.0.1:$port (pid $(cat "$data/pid")); container $container is ready."
    echo "export DRPLAN_STATE='$url?$query'"
    ;;
  stop)
    if [[ -f "$data/pid" ]]; then
      kill "$(cat "$data/pid")" 2>/dev/null || true
      rm -f "$data/pid"
    fi
    ;;
  *)
    echo "usage: scripts/azurite.sh start [CONTAINER] | stop" >&2
    exit 2
    ;;
esac
