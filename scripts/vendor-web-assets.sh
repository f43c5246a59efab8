#!/usr/bin/env bash
# Refreshes the web assets the service serves itself (YASGUI, Leaflet) from the npm registry.
# Not needed to build or run the project: the files are committed under src/tierslieux/service/static/vendor/.
# Usage: scripts/vendor-web-assets.sh [YASGUI_VERSION] [LEAFLET_VERSION]; then update the table and
# checksums in static/vendor/README.md and run the tests.
set -euo pipefail
yasgui_version="${1:-4.6.2}"
leaflet_version="${2:-1.9.4}"
root="$(cd "$(dirname "$0")/.." && pwd)"
vendor="$root/src/tierslieux/service/static/vendor"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent "@zazuko/yasgui@$yasgui_version" "leaflet@$leaflet_version" >/dev/null
mkdir yasgui leaflet
tar xzf "zazuko-yasgui-$yasgui_version.tgz" -C yasgui
tar xzf "leaflet-$leaflet_version.tgz" -C leaflet
mkdir -p "$vendor/yasgui" "$vendor/leaflet/images"
cp yasgui/package/build/yasgui.min.js yasgui/package/build/yasgui.min.css "$vendor/yasgui/"
cp leaflet/package/dist/leaflet.js leaflet/package/dist/leaflet.css leaflet/package/LICENSE "$vendor/leaflet/"
cp leaflet/package/dist/images/*.png "$vendor/leaflet/images/"
cd "$vendor" && sha256sum yasgui/yasgui.min.js yasgui/yasgui.min.css leaflet/leaflet.js leaflet/leaflet.css
