/* The map of a resource page: Leaflet with OpenStreetMap tiles and one marker at the resource's wgs84 point.
   The page works without the tiles (offline): the marker and the coordinates are shown all the same. */
(function () {
  "use strict";

  var element = document.getElementById("map");
  if (!element || typeof L === "undefined") { return; }
  var lat = Number(element.getAttribute("data-lat"));
  var lon = Number(element.getAttribute("data-long"));
  if (!isFinite(lat) || !isFinite(lon)) { return; }

  L.Icon.Default.imagePath = element.getAttribute("data-images") || "";
  var map = L.map(element, { scrollWheelZoom: false }).setView([lat, lon], 15);
  var tiles = element.getAttribute("data-tiles");
  if (tiles) {  // an empty setting (tests, offline installs) shows the marker on a plain background
    L.tileLayer(tiles, {
      maxZoom: 19,
      attribution: '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>',
    }).addTo(map);
  }
  // The label comes from a data attribute and is set as text, never as HTML.
  var popup = document.createElement("span");
  popup.textContent = element.getAttribute("data-label") || "";
  L.marker([lat, lon]).addTo(map).bindPopup(popup);
  element.setAttribute("data-map-ready", "true");
})();
