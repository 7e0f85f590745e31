#!/usr/bin/env bash
# A rolling, health-gated deploy on the production host (run from the checkout, e.g. by
# .github/workflows/deploy.yml): `infra/deploy/roll.sh <tag>`.
#
#  1. builds the images tagged <tag> (the commit), keeping the running ones;
#  2. migrates with the new core image — migrations are expand-only within a release (README,
#     Deploying), so the old release keeps working on the new schema;
#  3. replaces core, core2, relay, relay2, workers, workers2, edge, edge2, web, web2 one at a
#     time: `docker compose up --no-deps --wait` for that one service (the old container
#     drains for DRAIN_MS while Caddy's health checks pass it over; the new one must report
#     healthy), then waits until the new one answers /health/ready itself;
#  4. smoke-checks through Caddy: /health, a tile, a tRPC read, the sign-in page, the map.
# If a step fails, every service already replaced goes back to the tag that ran before (the
# same way, one at a time), the script says so loudly and exits 1. The same steps run against
# the local HA topology in `npm run roll` (infra/src/roll/roll.ts).
set -euo pipefail
cd "$(dirname "$0")/../.."

NEW="${1:?usage: infra/deploy/roll.sh <image tag>}"
if ! [[ "$NEW" =~ ^[A-Za-z0-9._-]{1,80}$ ]]; then
  echo "roll: bad tag '$NEW'" >&2
  exit 2
fi
# Must match ROLL_ORDER in infra/src/roll/roll.ts (infra/src/ops-config.test.ts checks it).
ORDER=(core core2 relay relay2 workers workers2 edge edge2 web web2)
STATE=.deploy
mkdir -p "$STATE"
PREV="$(cat "$STATE/current-tag" 2>/dev/null || sed -n 's/^IMAGE_TAG=//p' .env | tail -n 1)"
PREV="${PREV:-latest}"
DOMAIN="$(sed -n 's/^DOMAIN=//p' .env | tr -d '"' | tail -n 1)"
WAIT_TIMEOUT="${ROLL_WAIT_TIMEOUT:-180}"

say() { printf 'roll │ %s\n' "$*"; }

# The port each service answers its own health on (inside its container).
port_of() {
  case "$1" in
    core*) echo 3002 ;;
    relay*) echo 3004 ;;
    workers*) echo 3005 ;;
    edge*) echo 3001 ;;
    web*) echo 3000 ;;
  esac
}

replace() { # <tag> <service>
  local tag="$1" svc="$2" started=$SECONDS path=/health/ready
  say "$svc → $tag"
  IMAGE_TAG="$tag" docker compose up -d --no-deps --wait --wait-timeout "$WAIT_TIMEOUT" "$svc" ||
    return 1
  # The web's readiness includes the sign-in provider; its liveness is what Caddy checks.
  [[ "$svc" == web* ]] && path=/health/live
  IMAGE_TAG="$tag" docker compose exec -T "$svc" bun infra/docker/healthcheck.ts "$(port_of "$svc")" "$path" ||
    return 1
  # Caddy checks upstream health every 3 s: let it see the new one before the next goes.
  [[ "$svc" == edge* || "$svc" == web* ]] && sleep 4
  say "$svc healthy on $tag after $((SECONDS - started)) s"
}

smoke() {
  local base="https://$DOMAIN" ok=0
  curl -fsS --max-time 10 -o /dev/null "$base/health" || { say "smoke: /health failed"; ok=1; }
  curl -fsS --max-time 10 -o /dev/null "$base/tiles/nodes,threads/10/540/330.mvt" ||
    { say "smoke: tile failed"; ok=1; }
  curl -fsS --max-time 10 -o /dev/null "$base/trpc/weaveries.list" ||
    { say "smoke: tRPC read failed"; ok=1; }
  local code
  code="$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "$base/auth/login" || true)"
  [[ "$code" =~ ^3 ]] || { say "smoke: sign-in page answered $code"; ok=1; }
  curl -fsS --max-time 10 -o /dev/null "$base/" || { say "smoke: map page failed"; ok=1; }
  return $ok
}

rollback() { # <services replaced, in order>
  say "ROLLING BACK to $PREV"
  local i svcs=("$@")
  for ((i = ${#svcs[@]} - 1; i >= 0; i--)); do
    replace "$PREV" "${svcs[$i]}" || { say "ROLLBACK FAILED at ${svcs[$i]}: look now"; exit 1; }
  done
  smoke || { say "ROLLED BACK to $PREV, but the smoke check still fails: look now"; exit 1; }
  say "ROLLED BACK to $PREV; $NEW was not deployed"
  exit 1
}

say "deploying $NEW (running: $PREV)"
IMAGE_TAG="$NEW" docker compose build --pull
IMAGE_TAG="$PREV" docker compose up -d --wait --wait-timeout "$WAIT_TIMEOUT" postgis
IMAGE_TAG="$NEW" docker compose run --rm migrate

done_services=()
for svc in "${ORDER[@]}"; do
  done_services+=("$svc")
  replace "$NEW" "$svc" || { say "$svc did not become healthy on $NEW"; rollback "${done_services[@]}"; }
done
smoke || { say "smoke check failed on $NEW"; rollback "${done_services[@]}"; }

echo "$PREV" > "$STATE/previous-tag"
echo "$NEW" > "$STATE/current-tag"
# Later plain `docker compose up -d` calls keep this release.
if grep -q '^IMAGE_TAG=' .env; then
  sed -i "s/^IMAGE_TAG=.*/IMAGE_TAG=$NEW/" .env
else
  echo "IMAGE_TAG=$NEW" >> .env
fi
# Services that are not rolled (Caddy, Keycloak, NATS, monitoring, backup) follow the
# configuration; unchanged ones are left running.
docker compose up -d --wait --wait-timeout "$WAIT_TIMEOUT"
say "deployed $NEW (previous: $PREV)"
