// A page that comes back with errors puts keyboard and screen-reader focus on its error
// summary (<div data-focus-on-load tabindex="-1">), so the first thing read is what went wrong.
(function () {
  "use strict";
  function focusSummary() {
    var summary = document.querySelector("[data-focus-on-load]");
    if (summary) summary.focus();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusSummary);
  } else {
    focusSummary();
  }
})();
