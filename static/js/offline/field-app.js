/* showup field app: a report is never lost for want of a signal.
 *
 * On every page of a signed-in user (templates/core/_field_app.html):
 *   - registers the service worker (sw.js) and asks it to keep the blank forms the page links
 *     to with [data-offline] (the officer's "I found a child"), so they open with no connection;
 *   - lists this account's forms waiting on this phone, in a polite live region, and sends them
 *     on page load, on the `online` event, every few seconds while any wait, and through
 *     Background Sync where the browser has it (Chromium); never relying on that alone.
 * On forms marked [data-outbox] (the found-child report, the hand-off checklist): the form is
 * sent by script; if the connection fails (offline, a timeout, the server gone mid-request, a
 * 5xx) the form's fields, photo and idempotency key go into the outbox (outbox.js, IndexedDB)
 * and the page says "Saved on this phone, not yet sent" until the server confirms; then
 * "Sent" with a link. An answer the server refuses (a mistake in the form) is shown by sending
 * the form the ordinary way, as without JavaScript.
 * On logout every entry and every kept page is deleted from the phone (a shared phone), after a
 * warning if reports are still waiting. Without JavaScript the forms post as before.
 */
(function () {
  "use strict";

  var Outbox = window.ShowupOutbox;
  var box = document.getElementById("outbox");
  if (!Outbox || !box || !window.indexedDB) { return; }

  var user = box.getAttribute("data-user");
  var swUrl = box.getAttribute("data-sw");
  var sessionUrl = box.getAttribute("data-session");
  var live = document.getElementById("outbox-status");
  var list = box.querySelector("[data-outbox-list]");
  var RETRY = [2, 4, 8, 15, 30];  // seconds between tries while anything waits
  var retryStep = 0;
  var retryTimer = null;
  var replaying = null;
  var sent = [];  // sent from this page, shown until the page changes

  function t(name, values) {
    var text = box.getAttribute("data-t-" + name) || "";
    Object.keys(values || {}).forEach(function (key) { text = text.split("{" + key + "}").join(values[key]); });
    return text;
  }

  function say(text) {
    if (!live) { return; }
    live.textContent = "";
    // A change the screen reader notices even when the same words come twice.
    window.setTimeout(function () { live.textContent = text; }, 50);
  }

  function clock(ms) {
    try {
      return new Date(ms).toLocaleTimeString(document.documentElement.lang || undefined, { hour: "2-digit", minute: "2-digit" });
    } catch (e) { return new Date(ms).toTimeString().slice(0, 5); }
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) { node.textContent = text; }
    return node;
  }

  /* --- the list of what waits on this phone ------------------------------------------- */

  function render() {
    return Outbox.list(user).then(function (entries) {
      list.textContent = "";
      entries.forEach(function (entry) {
        var li = el("li", { "class": "card", "data-outbox-entry": entry.id, "data-state": entry.state });
        if (entry.state === "refused") {
          li.appendChild(el("p", {}, t("refused", { label: entry.label, time: clock(entry.createdAt) })));
          var open = el("a", { "class": "button secondary", href: openUrl(entry) }, t("open-form"));
          var drop = el("button", { type: "button", "class": "secondary danger-text" }, t("delete"));
          drop.addEventListener("click", function () {
            Outbox.remove(entry.id).then(render);
          });
          var p = el("p", { "class": "row" });
          p.appendChild(open); p.appendChild(drop);
          li.appendChild(p);
        } else {
          li.appendChild(el("p", {}, t("pending", { label: entry.label, time: clock(entry.createdAt) })));
        }
        list.appendChild(li);
      });
      sent.forEach(function (item) {
        var li = el("li", { "class": "card", "data-outbox-sent": "" });
        var p = el("p", {}, t("sent-item", { label: item.label }) + " ");
        p.appendChild(el("a", { href: item.url }, t("open-sent")));
        li.appendChild(p);
        list.appendChild(li);
      });
      box.hidden = entries.length === 0 && sent.length === 0;
      var pending = entries.filter(function (e) { return e.state === "pending"; });
      if (pending.length) { schedule(); } else { unschedule(); }
      return entries;
    });
  }

  function openUrl(entry) {
    var url = new URL(entry.url, location.href);
    url.hash = "outbox=" + encodeURIComponent(entry.id);
    return url.pathname + url.search + url.hash;
  }

  /* --- sending what waits ----------------------------------------------------------------- */

  function schedule() {
    if (retryTimer !== null) { return; }
    var seconds = RETRY[Math.min(retryStep, RETRY.length - 1)];
    retryTimer = window.setTimeout(function () {
      retryTimer = null;
      retryStep += 1;
      replay();
    }, seconds * 1000);
  }

  function unschedule() {
    if (retryTimer !== null) { window.clearTimeout(retryTimer); retryTimer = null; }
  }

  function report(results) {
    var anySent = false, login = false;
    results.forEach(function (r) {
      if (r.result === "sent") {
        anySent = true;
        retryStep = 0;
        sent.push({ label: r.label || (r.entry && r.entry.label) || "", url: r.url });
      }
      if (r.result === "login") { login = true; }
    });
    if (anySent) { say(t("sent")); }
    if (login) { say(t("login")); }
  }

  function replay() {
    if (replaying) { return replaying; }
    if (navigator.onLine === false) { return render(); }
    replaying = Outbox.list(user).then(function (entries) {
      if (!entries.some(function (e) { return e.state === "pending"; })) { return []; }
      return Outbox.replayAll({ sessionUrl: sessionUrl, user: user });
    }).then(function (results) {
      report(results);
      return render();
    }, function () { return render(); }).then(function (v) {
      replaying = null;
      return v;
    }, function () { replaying = null; });
    return replaying;
  }

  /* --- the forms ------------------------------------------------------------------------- */

  var BUTTONS = 'button[type="submit"], button:not([type]), input[type="submit"]';

  function keyInput(form) { return form.querySelector('input[name="idempotency_key"]'); }

  function ensureKey(form) {
    var input = keyInput(form);
    if (input && !input.value) { input.value = Outbox.newKey(); }
  }

  function lock(form) {
    var text = form.getAttribute("data-sending-text") || t("sending");
    form.setAttribute("data-sending", "");
    form.setAttribute("aria-busy", "true");
    Array.prototype.forEach.call(form.querySelectorAll(BUTTONS), function (b) {
      if (!b.hasAttribute("data-label")) { b.setAttribute("data-label", b.textContent); }
      b.textContent = text;
      b.disabled = true;
    });
    var status = form.querySelector("[data-once-status]");
    if (status) { status.textContent = text; }
  }

  function unlock(form) {
    form.removeAttribute("data-sending");
    form.removeAttribute("aria-busy");
    Array.prototype.forEach.call(form.querySelectorAll(BUTTONS), function (b) {
      if (b.hasAttribute("data-label")) { b.textContent = b.getAttribute("data-label"); b.removeAttribute("data-label"); }
      b.disabled = false;
    });
    var status = form.querySelector("[data-once-status]");
    if (status) { status.textContent = ""; }
  }

  function token(form) {
    var field = form.querySelector('input[name="csrfmiddlewaretoken"]');
    if (field && !document.documentElement.hasAttribute("data-offline-copy")) {
      return Promise.resolve(field.value);
    }
    // A kept copy's token is old: ask the server for the current one.
    return Outbox.session(sessionUrl).then(function (who) { return who && who.csrf ? who.csrf : null; });
  }

  function keep(form, entry) {
    return Outbox.put(entry).then(function () {
      form.reset();
      var input = keyInput(form);
      if (input) { input.value = Outbox.newKey(); }
      unlock(form);
      say(t("saved"));
      if (navigator.serviceWorker && navigator.serviceWorker.ready) {
        navigator.serviceWorker.ready.then(function (reg) {
          if (reg.sync && reg.sync.register) { return reg.sync.register("showup-outbox"); }
          return null;
        }).catch(function () { /* Background Sync is a bonus, never relied on */ });
      }
      retryStep = 0;
      return render().then(function () { box.scrollIntoView({ block: "start" }); });
    });
  }

  function submitNatively(form, csrf) {
    var field = form.querySelector('input[name="csrfmiddlewaretoken"]');
    if (field && csrf) { field.value = csrf; }
    unlock(form);
    form.setAttribute("data-sending", "");
    HTMLFormElement.prototype.submit.call(form);
  }

  function onSubmit(event) {
    var form = event.currentTarget;
    event.preventDefault();
    event.stopPropagation();  // this script sends it once; submit-once.js need not
    if (form.hasAttribute("data-sending")) { return; }
    ensureKey(form);
    lock(form);
    var entry = Outbox.entryFrom(new FormData(form), {
      user: user,
      url: form.action || location.href,
      kind: form.getAttribute("data-outbox"),
      label: form.getAttribute("data-outbox-label") || document.title
    });
    if (navigator.onLine === false) { keep(form, entry); return; }
    say(form.getAttribute("data-sending-text") || t("sending"));
    token(form).then(function (csrf) {
      if (!csrf) { return keep(form, entry); }  // the server cannot be reached
      return Outbox.send(entry, { csrf: csrf }).then(function (res) {
        if (res.result === "sent") {
          Outbox.remove(entry.id).then(function () { location.assign(res.url); });
        } else if (res.result === "refused") {
          // The server has something to say about the form: show it as without script.
          submitNatively(form, csrf);
        } else {
          return keep(form, entry).then(function () { if (res.result === "login") { say(t("login")); } });
        }
        return null;
      });
    }).catch(function () { keep(form, entry); });
  }

  /* A refused entry opened again in its form: its answers and photo put back. */
  function restore(form) {
    var match = /^#outbox=(.+)$/.exec(location.hash);
    if (!match) { return; }
    Outbox.get(decodeURIComponent(match[1])).then(function (entry) {
      if (!entry || entry.user !== user) { return; }
      var seen = {};
      entry.fields.forEach(function (f) {
        var name = f[0], value = f[1];
        var fields = form.querySelectorAll('[name="' + name.replace(/"/g, "") + '"]');
        Array.prototype.forEach.call(fields, function (input) {
          if (input.type === "checkbox" || input.type === "radio") {
            if (input.value === value) { input.checked = true; }
          } else if (input.tagName === "SELECT" && input.multiple) {
            Array.prototype.forEach.call(input.options, function (o) { if (o.value === value) { o.selected = true; } });
          } else if (input.type !== "file" && !seen[name]) {
            input.value = value;
          }
        });
        seen[name] = true;
      });
      if (typeof DataTransfer === "function") {
        entry.files.forEach(function (f) {
          var input = form.querySelector('input[type="file"][name="' + f[0].replace(/"/g, "") + '"]');
          if (!input) { return; }
          try {
            var dt = new DataTransfer();
            dt.items.add(new File([f[1]], f[2], { type: f[1].type }));
            input.files = dt.files;
          } catch (e) { /* the officer chooses the photo again */ }
        });
      }
      history.replaceState(null, "", location.pathname + location.search);
      say(t("restored"));
    });
  }

  /* A kept copy of a blank form, opened with no connection: say so, and date it now. */
  function offlineCopy(form) {
    if (!document.documentElement.hasAttribute("data-offline-copy")) { return; }
    var note = el("p", { "class": "msg", "data-offline-note": "" }, t("offline-copy"));
    form.parentNode.insertBefore(note, form);
    var when = form.querySelector('input[type="datetime-local"]');
    if (when) {
      var d = new Date();
      var pad = function (n) { return (n < 10 ? "0" : "") + n; };
      when.value = d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" + pad(d.getHours()) + ":" + pad(d.getMinutes());
    }
  }

  Array.prototype.forEach.call(document.querySelectorAll("form[data-outbox]"), function (form) {
    ensureKey(form);
    offlineCopy(form);
    restore(form);
    form.addEventListener("submit", onSubmit);
  });

  /* --- logging out: nothing stays on a shared phone ------------------------------------------ */

  Array.prototype.forEach.call(document.querySelectorAll('form[data-logout], form[action$="/logout/"]'), function (form) {
    form.addEventListener("submit", function (event) {
      if (form.hasAttribute("data-cleared")) { return; }
      event.preventDefault();
      Outbox.list(user).then(function (entries) {
        if (entries.length && !form.hasAttribute("data-confirm")) {
          form.setAttribute("data-confirm", "");
          say(t("logout-warning", { count: String(entries.length) }));
          box.hidden = false;
          box.scrollIntoView({ block: "start" });
          return;
        }
        var done = function () { form.setAttribute("data-cleared", ""); HTMLFormElement.prototype.submit.call(form); };
        // The worker goes too (it would keep pages again); the next login installs it afresh.
        var forgetPages = function () {
          try { localStorage.removeItem(KEPT_KEY); } catch (e) { /* private mode */ }
          var workers = navigator.serviceWorker && navigator.serviceWorker.getRegistrations
            ? navigator.serviceWorker.getRegistrations().then(function (regs) {
              return Promise.all(regs.map(function (reg) { return reg.unregister(); }));
            })
            : Promise.resolve();
          return workers.then(function () {
            if (!window.caches) { return null; }
            return caches.keys().then(function (keys) {
              return Promise.all(keys.filter(function (k) { return k.indexOf("showup-") === 0; })
                .map(function (k) { return caches.delete(k); }));
            });
          });
        };
        Outbox.clearAll().then(forgetPages).then(done, done);
      });
    });
  });

  /* --- the service worker ---------------------------------------------------------------- */

  var KEPT_KEY = "showup-shells-kept";
  var KEPT_FOR_MS = 3600 * 1000;

  if ("serviceWorker" in navigator && swUrl) {
    navigator.serviceWorker.addEventListener("message", function (event) {
      var data = event.data || {};
      if (data.type === "shells-kept" && data.ok) {
        try { localStorage.setItem(KEPT_KEY, (document.documentElement.lang || "") + "|" + Date.now()); } catch (e) { /* private mode */ }
        document.documentElement.setAttribute("data-offline-ready", "");
      } else if (data.type === "outbox-replayed") {
        report(data.results || []);
        render();
      }
    });
    navigator.serviceWorker.register(swUrl, { scope: "/" }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (reg) {
      var urls = Array.prototype.map.call(document.querySelectorAll("a[data-offline]"), function (a) {
        return new URL(a.getAttribute("data-offline") || a.href, location.href).href;
      });
      // The blank forms are fetched again at most hourly (and when the language changes), not
      // on every page: each refresh is a request to the server in the background.
      var lang = document.documentElement.lang || "";
      var kept = (function () { try { return localStorage.getItem(KEPT_KEY) || ""; } catch (e) { return ""; } })();
      var parts = kept.split("|");
      var fresh = parts[0] === lang && Date.now() - Number(parts[1] || 0) < KEPT_FOR_MS;
      if (fresh && navigator.serviceWorker.controller) {
        document.documentElement.setAttribute("data-offline-ready", "");
      } else if (reg.active && navigator.onLine !== false) {
        reg.active.postMessage({ type: "keep-shells", urls: urls, lang: lang });
      }
    }).catch(function () { /* no service worker: the outbox still works on open pages */ });
  }

  window.addEventListener("online", function () { retryStep = 0; unschedule(); replay(); });
  window.addEventListener("offline", function () { render(); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { replay(); }
  });

  render().then(function () { replay(); });
})();
