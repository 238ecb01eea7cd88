/* showup: the proof-of-work check on a public form that was sent too often.
 *
 * When a public form comes back refused by a rate limit (showup.core.ratelimit), it carries a
 * signed ALTCHA challenge in [data-pow] (data-pow-challenge). This script shows that box, gives
 * the vendored widget (static/vendor/altcha/, served by showup itself) its worker, and lets it
 * solve the challenge at once: the widget puts the solution in a hidden "altcha" field of the
 * form, and the next press of the send button goes through. Without JavaScript the box stays
 * hidden and the page says to wait a few minutes or call the unit. No inline script, no eval:
 * the configuration is read from data- attributes (Content-Security-Policy).
 */
(function () {
  "use strict";

  function start(box) {
    var registry = window.$altcha;
    if (!registry || !registry.algorithms || !window.customElements) { return; }
    var workerUrl = box.getAttribute("data-pow-worker");
    registry.algorithms.set("PBKDF2/SHA-256", function () { return new Worker(workerUrl); });
    var status = box.querySelector("[data-pow-status]");
    var widget = document.createElement("altcha-widget");
    widget.setAttribute("challenge", box.getAttribute("data-pow-challenge"));
    widget.setAttribute("name", "altcha");
    widget.setAttribute("auto", "onload");
    widget.setAttribute("language", box.getAttribute("data-pow-language") || "en");
    widget.setAttribute("configuration", JSON.stringify({ hideFooter: true, hideLogo: true }));
    widget.addEventListener("verified", function () {
      if (status) { status.textContent = box.getAttribute("data-pow-done") || ""; }
    });
    box.insertBefore(widget, status);
    box.hidden = false;
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-pow]"), start);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
