#!/bin/sh
# Inside the osm-import container: fetch the regional extract if the server has a newer one,
# check it, import it into the basemap and swap it in (db/src/basemap/osm). Runs once; the
# host's timer (infra/deploy/README.md) runs it nightly. A failed download or import leaves the
# served basemap as it was.
set -eu
url="${OSM_EXTRACT_URL:?set OSM_EXTRACT_URL (e.g. the Geofabrik Germany extract)}"
dir=/data
file="$dir/region.osm.pbf"
mkdir -p "$dir"
# -z: only download when the server's copy is newer than ours (Geofabrik updates daily).
if [ -f "$file" ]; then
  curl -fsSL --retry 3 -z "$file" -o "$file.part" "$url"
else
  curl -fsSL --retry 3 -o "$file.part" "$url"
fi
if [ -s "$file.part" ]; then
  osmium fileinfo --no-progress "$file.part" > /dev/null
  mv "$file.part" "$file"
else
  rm -f "$file.part"
  if [ "${OSM_FORCE:-false}" != "true" ] && [ -f "$dir/imported" ] && [ "$dir/imported" -nt "$file" ]; then
    echo '{"level":"info","service":"osm-import","msg":"extract unchanged, nothing to import"}'
    exit 0
  fi
fi
# Country-sized extracts: osm2pgsql's middle on disk (--slim, dropped after the import).
bun db/src/basemap/osm/cli.ts --file "$file" --slim --cache "${OSM_CACHE_MB:-2000}" --processes "${OSM_PROCESSES:-4}"
touch "$dir/imported"
