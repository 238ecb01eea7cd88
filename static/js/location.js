/* showup: where a child was last seen or found.
 *
 * Progressive enhancement only: every form works without this file through its typed "place"
 * field. With JavaScript this adds, on the guardian's form, a Leaflet map to drop a pin and a
 * "Use my location" button; on the officer's form ([data-autolocate]) the browser's position is
 * read on page load into the hidden lat/lon inputs with a visible indicator. If map tiles cannot
 * load (offline, weak signal) the map stays grey and the text field remains the way in.
 */
(function () {
  "use strict";

  function $(selector, root) { return (root || document).querySelector(selector); }

  function fields(form) {
    return { lat: form.querySelector('input[name="lat"]'), lon: form.querySelector('input[name="lon"]') };
  }

  function round(value) { return Math.round(value * 1e6) / 1e6; }

  function hasPosition(f) { return f.lat && f.lon && f.lat.value !== "" && f.lon.value !== ""; }

  function setPosition(f, lat, lon) {
    f.lat.value = String(round(lat));
    f.lon.value = String(round(lon));
  }

  function clearPosition(f) { f.lat.value = ""; f.lon.value = ""; }

  function say(el, key) {
    if (!el) { return; }
    el.textContent = el.getAttribute("data-text-" + key) || "";
    el.classList.remove("captured", "missing");
    if (key === "captured") { el.classList.add("captured"); }
    if (key === "none" || key === "denied") { el.classList.add("missing"); }
  }

  function locate(onOk, onFail) {
    if (!("geolocation" in navigator)) { onFail(); return; }
    navigator.geolocation.getCurrentPosition(
      function (pos) { onOk(pos.coords.latitude, pos.coords.longitude); },
      function () { onFail(); },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  }

  /* The officer's form: capture the position at once, keep the indicator honest. */
  function autolocate(indicator) {
    var form = indicator.closest("form");
    if (!form) { return; }
    var f = fields(form);
    if (!f.lat || !f.lon) { return; }
    if (hasPosition(f)) { say(indicator, "captured"); return; }
    if (indicator.hasAttribute("data-keep")) { say(indicator, "none"); return; }
    say(indicator, "waiting");
    locate(
      function (lat, lon) { setPosition(f, lat, lon); say(indicator, "captured"); },
      function () { say(indicator, "none"); }
    );
  }

  /* The guardian's form: a map to drop a pin, and "use my location". */
  function mapPicker(box) {
    var form = box.closest("form");
    if (!form) { return; }
    var f = fields(form);
    var status = $("[data-location-status]", form);
    var mapEl = $("[data-map]", box);
    box.hidden = false;

    var map = null;
    var marker = null;

    function pin(lat, lon, pan) {
      setPosition(f, lat, lon);
      say(status, "captured");
      if (!map) { return; }
      if (marker) { marker.setLatLng([lat, lon]); } else { marker = window.L.marker([lat, lon]).addTo(map); }
      if (pan) { map.setView([lat, lon], Math.max(map.getZoom(), 16)); }
    }

    if (mapEl && !mapEl.getAttribute("data-tiles")) {
      // No tile server configured: a pin on a blank map would help nobody.
      mapEl.hidden = true;
      mapEl = null;
    }
    if (window.L && mapEl) {
      var startLat = parseFloat(mapEl.getAttribute("data-lat")) || 0;
      var startLon = parseFloat(mapEl.getAttribute("data-lon")) || 0;
      var zoom = 12;
      if (hasPosition(f)) { startLat = parseFloat(f.lat.value); startLon = parseFloat(f.lon.value); zoom = 16; }
      try {
        map = window.L.map(mapEl, { scrollWheelZoom: false }).setView([startLat, startLon], zoom);
        window.L.tileLayer(mapEl.getAttribute("data-tiles"), {
          maxZoom: 19,
          attribution: mapEl.getAttribute("data-attribution") || ""
        }).addTo(map);
        map.on("click", function (e) { pin(e.latlng.lat, e.latlng.lng, false); });
        if (hasPosition(f)) { pin(startLat, startLon, false); }
      } catch (err) {
        map = null;
        mapEl.hidden = true;
      }
    } else if (mapEl) {
      mapEl.hidden = true;  // Leaflet did not load: the button and the text field remain.
    }

    var use = $("[data-use-location]", box);
    if (use) {
      if (!("geolocation" in navigator)) { use.hidden = true; }
      use.addEventListener("click", function () {
        say(status, "waiting");
        use.disabled = true;
        locate(
          function (lat, lon) { use.disabled = false; pin(lat, lon, true); },
          function () { use.disabled = false; say(status, "denied"); }
        );
      });
    }
    var clear = $("[data-clear-location]", box);
    if (clear) {
      clear.addEventListener("click", function () {
        clearPosition(f);
        if (marker && map) { map.removeLayer(marker); marker = null; }
        say(status, "none");
      });
    }
  }

  function init() {
    document.querySelectorAll("[data-autolocate]").forEach(autolocate);
    document.querySelectorAll("[data-locator]").forEach(mapPicker);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
