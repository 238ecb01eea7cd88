/* showup: a form is sent once.
 *
 * On forms marked [data-submit-once], the first submit disables the submit buttons and shows
 * "Sending…" (the form's data-sending-text), so more taps on a slow network send nothing more.
 * The server does not rely on this: create forms carry an idempotency key and a repeated POST
 * answers with the first report. If the page comes back from the back-forward cache, the
 * buttons work again (the same key makes sending again safe). No inline script, for the CSP.
 */
(function () {
  "use strict";

  var BUTTONS = 'button[type="submit"], button:not([type]), input[type="submit"]';

  function buttons(form) {
    return Array.prototype.slice.call(form.querySelectorAll(BUTTONS));
  }

  function lock(form) {
    var text = form.getAttribute("data-sending-text") || "";
    form.setAttribute("data-sending", "");
    form.setAttribute("aria-busy", "true");
    buttons(form).forEach(function (button) {
      if (!button.hasAttribute("data-label")) {
        button.setAttribute("data-label", button.tagName === "INPUT" ? button.value : button.textContent);
      }
      if (text) {
        if (button.tagName === "INPUT") { button.value = text; } else { button.textContent = text; }
      }
      button.disabled = true;
    });
    var status = form.querySelector("[data-once-status]");
    if (status) { status.textContent = text; }
  }

  function unlock(form) {
    form.removeAttribute("data-sending");
    form.removeAttribute("aria-busy");
    buttons(form).forEach(function (button) {
      var label = button.getAttribute("data-label");
      if (label !== null) {
        if (button.tagName === "INPUT") { button.value = label; } else { button.textContent = label; }
        button.removeAttribute("data-label");
      }
      button.disabled = false;
    });
    var status = form.querySelector("[data-once-status]");
    if (status) { status.textContent = ""; }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-submit-once")) { return; }
    if (form.hasAttribute("data-sending")) {
      event.preventDefault();
      return;
    }
    // Disable after this event has finished, so the submission it starts goes ahead.
    window.setTimeout(function () { lock(form); }, 0);
    form.setAttribute("data-sending", "");
  }, false);

  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    Array.prototype.forEach.call(document.querySelectorAll("form[data-submit-once]"), unlock);
  });
})();
