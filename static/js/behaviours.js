// Small behaviours shared by every page, declared in the HTML with data- attributes (the
// Content-Security-Policy allows no inline script, event handler attribute or eval).
(function () {
  "use strict";

  // <input data-select-on-click>: a click selects the whole value (a link to copy).
  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target instanceof HTMLInputElement && target.hasAttribute("data-select-on-click")) {
      target.select();
    }
  });

  // <div hx-get=... data-date-param="id_start">: the request carries date=YYYY-MM-DD, the day
  // of the named date-time input (what hx-vals="js:..." did, without eval).
  document.addEventListener("htmx:configRequest", function (event) {
    var source = event.detail.elt;
    var id = source && source.getAttribute && source.getAttribute("data-date-param");
    if (!id) return;
    var input = document.getElementById(id);
    if (input && input.value) event.detail.parameters.date = input.value.slice(0, 10);
  });
})();
