/* The explorer (/) and the embedded map (/embed): every place kept by the filters on a Leaflet map, grouped by a
   simple grid clustering; facets with counts; the list of the places in the visible area.
   Everything is read from the places API (/api/places, /api/places/facets): the one code path of the service.
   The state (filters, text, map view, language) is the page's query string, rewritten on every change, so that a
   link reproduces the view. Texts from the API are always set as text, never as HTML. */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("explorer-config").textContent);
  var T = config.texts;
  var FACET_NAMES = config.facets.map(function (f) { return f.name; });
  var LIST_LIMIT = 50;
  var CELL_PIXELS = 56;  // the clustering grid's cell, in screen pixels
  var FRANCE = { lat: 46.6, lon: 2.4, zoom: 5 };

  var element = document.getElementById("explorer-map");
  var state = readState();
  var places = [];  // the places of the current filters with coordinates: {slug, name, lat, lon}
  var loads = 0;  // the latest load's number (places and facets): answers to older ones are dropped
  var lists = 0;  // the same for the list of the visible area

  L.Icon.Default.imagePath = config.images;
  var map = L.map(element, { keyboard: true, zoomControl: true, worldCopyJump: false });
  map.setView([state.view.lat, state.view.lon], state.view.zoom);
  addTiles();
  var markers = L.layerGroup().addTo(map);

  /* ---- state in the URL ---- */

  function readState() {
    var params = new URLSearchParams(window.location.search);
    var filters = {};
    FACET_NAMES.forEach(function (name) {
      var codes = [];
      params.getAll(name).forEach(function (v) { v.split(",").forEach(function (c) { if (c) { codes.push(c); } }); });
      if (codes.length) { filters[name] = codes; }
    });
    var view = FRANCE;
    var raw = (params.get("map") || "").split("/");
    if (raw.length === 3 && raw.every(function (x) { return x !== "" && isFinite(Number(x)); })) {
      view = { zoom: Number(raw[0]), lat: Number(raw[1]), lon: Number(raw[2]) };
    }
    return { filters: filters, text: params.get("q") || "", view: view };
  }

  function filterParams() {
    var params = new URLSearchParams();
    if (state.text) { params.set("q", state.text); }
    FACET_NAMES.forEach(function (name) {
      (state.filters[name] || []).forEach(function (code) { params.append(name, code); });
    });
    return params;
  }

  function viewParams() {
    var params = filterParams();
    var centre = map.getCenter();
    params.set("map", map.getZoom() + "/" + centre.lat.toFixed(4) + "/" + centre.lng.toFixed(4));
    params.set("lang", config.lang);
    return params;
  }

  // a query string with readable slashes (map=6/46.6/2.4, source=census/cget-2019): "/" needs no escaping there
  function query(params) { return params.toString().replace(/%2F/gi, "/"); }

  function writeState() {
    var params = viewParams();
    window.history.replaceState(null, "", window.location.pathname + "?" + query(params));
    var snippet = document.getElementById("embed-code");
    if (snippet) {
      snippet.value = '<iframe src="' + config.embedUrl + "?" + query(params).replace(/&/g, "&amp;") +
        '" width="100%" height="480" style="border:0" title="' + T.title + '" loading="lazy"></iframe>';
    }
    var api = config.api + "?" + query(filterParams()) + "&limit=100000&format=";
    [["download-csv", "csv"], ["download-geojson", "geojson"], ["download-jsonld", "jsonld"]].forEach(function (pair) {
      var link = document.getElementById(pair[0]);
      if (link) { link.href = api + pair[1]; }
    });
  }

  /* ---- tiles: a configured URL, or a plain background when there is none or it cannot be reached ---- */

  function addTiles() {
    if (!config.tiles) { element.classList.add("no-tiles"); return; }
    var failures = 0, loaded = 0;
    var layer = L.tileLayer(config.tiles, {
      maxZoom: 19,
      attribution: '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>',
    });
    layer.on("tileload", function () { loaded += 1; });
    layer.on("tileerror", function () {
      failures += 1;
      if (failures >= 4 && loaded === 0) {
        map.removeLayer(layer);
        element.classList.add("no-tiles");
      }
    });
    layer.addTo(map);
  }

  /* ---- reading the API ---- */

  /* A busy service (or one still reading the release's places index) answers 503 with Retry-After: wait and ask
     again, a few times, saying so, rather than showing an error. */
  var BUSY_TRIES = 5;
  var BUSY_MAX_SECONDS = 30;

  function getJSON(url, tries) {
    tries = tries || 0;
    return fetch(url, { headers: { Accept: "application/json" } }).then(function (response) {
      if (response.status === 503 && tries < BUSY_TRIES) {
        var seconds = Math.min(BUSY_MAX_SECONDS, Math.max(1, parseInt(response.headers.get("Retry-After"), 10) || 5));
        showBusy(seconds);
        return new Promise(function (resolve) { setTimeout(resolve, seconds * 1000); }).then(function () {
          return getJSON(url, tries + 1);
        });
      }
      if (!response.ok) {
        return response.json().then(function (body) { throw new Error(body.error || response.statusText); },
          function () { throw new Error(response.status + " " + response.statusText); });
      }
      return response.json();
    });
  }

  function showBusy(seconds) {
    var note = document.getElementById("list-note");
    note.textContent = T.busy.replace("{seconds}", String(seconds));
    note.classList.add("notice");
  }

  function showError(error) {
    var note = document.getElementById("list-note");
    note.textContent = T.error + " " + error.message;
    note.classList.add("notice");
  }

  function refresh() {
    var number = ++loads;
    writeState();
    var params = filterParams();
    params.set("lang", config.lang);
    var facetsUrl = config.api + "/facets?" + params.toString();
    params.set("fields", "map");
    params.set("limit", "100000");
    var placesUrl = config.api + "?" + params.toString();
    element.setAttribute("aria-busy", "true");
    Promise.all([getJSON(placesUrl), getJSON(facetsUrl)]).then(function (answers) {
      if (number !== loads) { return; }
      places = answers[0].places.filter(function (p) { return p.latitude !== null && p.longitude !== null; })
        .map(function (p) { return { slug: p.slug, name: p.name || p.slug, lat: p.latitude, lon: p.longitude }; });
      renderFacets(answers[1]);
      document.getElementById("result-count").textContent = answers[1].total + " " + T.places;
      element.setAttribute("data-places", String(answers[1].total));
      drawMarkers();
      refreshList();
      element.removeAttribute("aria-busy");
      element.setAttribute("data-ready", "true");
    }).catch(showError);
  }

  /* ---- facets ---- */

  function renderFacets(answer) {
    var container = document.getElementById("facets");
    container.textContent = "";
    answer.facets.forEach(function (facet) {
      var selected = state.filters[facet.name] || [];
      if (!facet.values.length && !selected.length) { return; }
      var group = document.createElement("fieldset");
      group.className = "facet";
      group.setAttribute("data-facet", facet.name);
      var legend = document.createElement("legend");
      legend.textContent = facet.label;
      group.appendChild(legend);
      var shown = facet.values.slice();
      selected.forEach(function (code) {  // a selected value stays visible, even with no place left
        if (!shown.some(function (v) { return v.code === code; })) { shown.unshift({ code: code, label: code, count: 0 }); }
      });
      var list = document.createElement("ul");
      shown.forEach(function (value, index) {
        var item = document.createElement("li");
        if (index >= 12 && selected.indexOf(value.code) < 0) { item.className = "facet-more"; }
        var label = document.createElement("label");
        var box = document.createElement("input");
        box.type = "checkbox";
        box.value = value.code;
        box.checked = selected.indexOf(value.code) >= 0;
        box.addEventListener("change", function () { toggle(facet.name, value.code, box.checked); });
        label.appendChild(box);
        label.appendChild(document.createTextNode(" " + value.label + " "));
        var count = document.createElement("span");
        count.className = "count";
        count.textContent = value.count;
        label.appendChild(count);
        item.appendChild(label);
        list.appendChild(item);
      });
      group.appendChild(list);
      if (shown.length > 12) {
        var more = document.createElement("button");
        more.type = "button";
        more.className = "facet-toggle";
        more.textContent = "+ " + (shown.length - 12);
        more.addEventListener("click", function () { group.classList.toggle("expanded"); });
        group.appendChild(more);
      }
      container.appendChild(group);
    });
  }

  function toggle(name, code, on) {
    var codes = (state.filters[name] || []).filter(function (c) { return c !== code; });
    if (on) { codes.push(code); }
    if (codes.length) { state.filters[name] = codes; } else { delete state.filters[name]; }
    refresh();
  }

  /* ---- markers, grouped by a grid of screen cells at the current zoom ---- */

  function drawMarkers() {
    markers.clearLayers();
    var bounds = map.getBounds().pad(0.2);
    var zoom = map.getZoom();
    var cells = {};
    places.forEach(function (p) {
      if (!bounds.contains([p.lat, p.lon])) { return; }
      var point = map.project([p.lat, p.lon], zoom);
      var key = Math.floor(point.x / CELL_PIXELS) + ":" + Math.floor(point.y / CELL_PIXELS);
      (cells[key] = cells[key] || []).push(p);
    });
    Object.keys(cells).forEach(function (key) {
      var group = cells[key];
      if (group.length === 1 || zoom >= 17) {
        group.forEach(function (p) { markers.addLayer(placeMarker(p)); });
      } else {
        markers.addLayer(clusterMarker(group));
      }
    });
  }

  function placeMarker(p) {
    var marker = L.marker([p.lat, p.lon], { title: p.name, alt: p.name, keyboard: true });
    var popup = document.createElement("div");
    var name = document.createElement("strong");
    name.textContent = p.name;
    var link = document.createElement("a");
    link.href = config.pages + encodeURIComponent(p.slug);
    link.textContent = T.open;
    if (config.embedded) { link.target = "_blank"; link.rel = "noopener"; }
    popup.appendChild(name);
    popup.appendChild(document.createElement("br"));
    popup.appendChild(link);
    marker.bindPopup(popup);
    marker.on("add", function () {
      var icon = marker.getElement();
      if (icon) { icon.setAttribute("data-slug", p.slug); }
    });
    return marker;
  }

  function clusterMarker(group) {
    var lat = 0, lon = 0;
    group.forEach(function (p) { lat += p.lat; lon += p.lon; });
    var centre = L.latLng(lat / group.length, lon / group.length);
    var size = group.length < 10 ? "small" : group.length < 100 ? "medium" : "large";
    var icon = L.divIcon({ html: "<span>" + group.length + "</span>", className: "cluster cluster-" + size, iconSize: [36, 36] });
    var marker = L.marker(centre, { icon: icon, title: group.length + " " + T.zoom_cluster, alt: group.length + " " + T.zoom_cluster, keyboard: true });
    marker.on("click", function () {
      var box = L.latLngBounds(group.map(function (p) { return [p.lat, p.lon]; }));
      if (box.getNorthEast().equals(box.getSouthWest())) { map.setView(centre, Math.min(map.getZoom() + 3, 18)); }
      else { map.fitBounds(box.pad(0.1)); }
    });
    marker.on("add", function () {
      var element = marker.getElement();
      if (element) { element.setAttribute("data-count", String(group.length)); }
    });
    return marker;
  }

  /* ---- the list of the places in the visible area, from the API with a bounding box ---- */

  function refreshList() {
    var number = ++lists;
    var box = map.getBounds();
    var west = Math.max(-180, box.getWest()), east = Math.min(180, box.getEast());
    var south = Math.max(-90, box.getSouth()), north = Math.min(90, box.getNorth());
    var params = filterParams();
    params.set("bbox", [west, south, east, north].map(function (x) { return x.toFixed(5); }).join(","));
    params.set("limit", String(LIST_LIMIT));
    params.set("lang", config.lang);
    getJSON(config.api + "?" + params.toString()).then(function (answer) {
      if (number !== lists) { return; }
      var list = document.getElementById("place-list");
      list.textContent = "";
      answer.places.forEach(function (p) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = config.pages + encodeURIComponent(p.slug);
        link.textContent = p.name || p.slug;
        if (config.embedded) { link.target = "_blank"; link.rel = "noopener"; }
        item.appendChild(link);
        var where = [p.commune && p.commune.label, (p.kinds || []).map(function (k) { return k.label; }).join(", ")]
          .filter(Boolean).join(" · ");
        if (where) {
          var detail = document.createElement("span");
          detail.className = "muted";
          detail.textContent = " — " + where;
          item.appendChild(detail);
        }
        list.appendChild(item);
      });
      document.getElementById("list-count").textContent = "(" + answer.total + " " + T.in_view + ")";
      var note = document.getElementById("list-note");
      note.classList.remove("notice");
      note.textContent = answer.total === 0 ? T.no_place : answer.total > answer.returned ? T.more : "";
      document.getElementById("place-list").setAttribute("data-total", String(answer.total));
    }).catch(showError);
  }

  /* ---- events ---- */

  var moveTimer = null;
  map.on("moveend", function () {
    drawMarkers();
    writeState();
    window.clearTimeout(moveTimer);
    lists += 1;  // a newer list supersedes the one being read
    moveTimer = window.setTimeout(refreshList, 150);
  });

  var input = document.getElementById("search-text");
  input.value = state.text;
  document.getElementById("search-form").addEventListener("submit", function (event) {
    event.preventDefault();
    state.text = input.value.trim();
    refresh();
  });
  document.getElementById("clear-filters").addEventListener("click", function () {
    state.filters = {};
    state.text = "";
    input.value = "";
    refresh();
  });
  var panel = document.getElementById("facets-panel");
  if (window.matchMedia && window.matchMedia("(max-width: 700px)").matches) { panel.open = false; }

  // for a page that embeds the explorer, and for the tests: the map and the state (read-only use)
  window.tierslieuxExplorer = { map: map, state: state };
  refresh();
})();
