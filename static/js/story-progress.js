// Story media progress: polls each [data-story-progress] URL (JSON) and updates the bar and a
// live region; reloads the page when an item is done. Without JS the page refreshes itself
// (a <noscript> refresh) while anything is being redacted.
(function () {
  "use strict";
  var boxes = document.querySelectorAll("[data-story-progress]");
  if (!boxes.length || !window.fetch) return;
  var pending = boxes.length;
  boxes.forEach(function (box) {
    var url = box.getAttribute("data-story-progress");
    var bar = box.querySelector("[data-progress-bar]");
    var value = box.querySelector("[data-progress-value]");
    var label = box.querySelector("[data-progress-label]");
    var live = box.querySelector("[data-progress-live]");
    var lastLabel = "";
    function poll() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) { setTimeout(poll, 5000); return; }
          if (bar) bar.value = data.progress;
          if (value) value.textContent = data.progress + "%";
          if (label) label.textContent = data.label;
          if (live && data.label !== lastLabel) { live.textContent = data.label; lastLabel = data.label; }
          if (data.done) {
            pending -= 1;
            if (pending <= 0) window.location.reload();
          } else {
            setTimeout(poll, 1500);
          }
        })
        .catch(function () { setTimeout(poll, 5000); });
    }
    setTimeout(poll, 1000);
  });
})();
