/* showup: the coordinator's board.
 *
 * Progressive enhancement only: without this file the board is a list of links, the filters a
 * GET form, and htmx's poll swaps changed rows in place. This adds:
 * - keeping keyboard focus on a control whose row was just swapped (same id, new element);
 * - the "open for" times, refreshed every minute in the page's language;
 * - the map of open reports (Leaflet), with tiles only if the server configures a tile URL,
 *   and an "Only this area" button that filters the list to the map's bounds.
 */
(function () {
  "use strict";

  var lang = document.documentElement.lang || "en";

  /* Focus: an out-of-band swap replaces the row's elements; put focus back on the same id. */
  var focusedId = null;
  document.addEventListener("htmx:oobBeforeSwap", function () {
    var active = document.activeElement;
    focusedId = active && active.id && active.closest(".brow") ? active.id : null;
  });
  document.addEventListener("htmx:oobAfterSwap", function () {
    if (!focusedId) { return; }
    var again = document.getElementById(focusedId);
    if (again && document.activeElement !== again) { again.focus({ preventScroll: true }); }
  });

  /* "Open for": 35 min, 2 h, 3 d, in the page's language (Intl does the words). */
  function duration(ms) {
    var minutes = Math.max(0, Math.round(ms / 60000));
    var unit = "minute", value = minutes;
    if (minutes >= 2880) { unit = "day"; value = Math.floor(minutes / 1440); }
    else if (minutes >= 120) { unit = "hour"; value = Math.floor(minutes / 60); }
    try {
      return new Intl.NumberFormat(lang, { style: "unit", unit: unit, unitDisplay: "short" }).format(value);
    } catch (e) {
      return String(value);
    }
  }
  function refreshTimes(root) {
    var now = Date.now();
    (root || document).querySelectorAll(".brow .c-time time[datetime]").forEach(function (el) {
      var at = Date.parse(el.getAttribute("datetime"));
      if (!isNaN(at)) { el.textContent = duration(now - at); }
    });
  }
  refreshTimes();
  window.setInterval(refreshTimes, 60000);
  document.addEventListener("htmx:oobAfterSwap", function (event) { refreshTimes(event.detail.target); });

  /* The map. */
  var box = document.getElementById("map-box");
  var mapEl = document.getElementById("board-map");
  var data = document.getElementById("board-markers");
  var map = null;

  function initMap() {
    if (map || !mapEl || !window.L) { return; }
    var markers = [];
    try { markers = JSON.parse(data ? data.textContent : "[]"); } catch (e) { markers = []; }
    mapEl.hidden = false;
    map = window.L.map(mapEl, { scrollWheelZoom: false });
    var tiles = mapEl.getAttribute("data-tiles");
    if (tiles) {
      window.L.tileLayer(tiles, { maxZoom: 19, attribution: mapEl.getAttribute("data-attribution") || "" }).addTo(map);
    } else {
      mapEl.classList.add("no-tiles");
    }
    var points = [];
    markers.forEach(function (m) {
      var marker = window.L.circleMarker([m.lat, m.lon], {
        radius: m.likely ? 9 : 7,
        color: m.kind === "missing" ? "#a4161a" : "#0b3d91",
        weight: 2,
        fillOpacity: m.likely ? 0.9 : 0.5
      }).addTo(map);
      marker.bindTooltip(m.label);
      marker.on("click", function () { window.location.href = m.url; });
      points.push([m.lat, m.lon]);
    });
    if (points.length) {
      map.fitBounds(points, { padding: [24, 24], maxZoom: 15 });
    } else {
      map.setView([0, 0], 1);
    }
    var areaButton = document.getElementById("map-area");
    var bounds = document.getElementById("id_bounds");
    if (areaButton && bounds) {
      areaButton.hidden = false;
      areaButton.addEventListener("click", function () {
        var b = map.getBounds();
        bounds.value = [b.getSouth(), b.getWest(), b.getNorth(), b.getEast()]
          .map(function (v) { return v.toFixed(5); }).join(",");
        bounds.form.submit();
      });
    }
  }

  if (box) {
    box.addEventListener("toggle", function () {
      if (box.open) {
        initMap();
        if (map) { map.invalidateSize(); }
      }
    });
    if (box.open) { initMap(); }
  }
})();
