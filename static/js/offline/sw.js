/* showup field app: the service worker (served at /sw.js by core.views_pwa, which puts
 * self.SHOWUP_SW = {version, precache, offlineUrl, outboxJs, sessionUrl} above this).
 *
 * What it keeps on the phone (Cache Storage), and nothing else:
 *   - the app shell: the style sheet, the scripts, the icons, the offline page;
 *   - blank forms the page asks for (the officer's "I found a child"), fetched by the worker
 *     itself, without flash messages, with the idempotency key removed (the page makes a new
 *     one for every report) and marked as the copy kept on the phone.
 * Pages with a child's details are never stored: navigations go to the network, and only when
 * it fails does the worker answer with a kept blank form or the offline page.
 * POSTs are never touched here: the page keeps unsent forms in IndexedDB (outbox.js) and the
 * worker only helps send them on Background Sync, where the browser has it.
 */
/* global SHOWUP_SW, ShowupOutbox */
"use strict";

var CFG = self.SHOWUP_SW;
var CACHE = "showup-shell-" + CFG.version;
var SHELL_REFRESH_MS = 5 * 60 * 1000;
var lastShellFetch = {};

importScripts(CFG.outboxJs);

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE)
      .then(function (cache) { return cache.addAll(CFG.precache); })
      .then(function () { return keepShell(CFG.offlineUrl, ""); })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.map(function (key) {
        if (key.indexOf("showup-") === 0 && key !== CACHE) { return caches.delete(key); }
        return null;
      }));
    }).then(function () { return self.clients.claim(); })
  );
});

function shellKey(url) {
  var u = new URL(url, self.location.origin);
  return new Request(u.origin + u.pathname);
}

/* Fetch a blank form for keeping: no flash messages consumed (X-Showup-Shell), no key, marked. */
function keepShell(url, lang) {
  return fetch(url, { credentials: "same-origin", cache: "no-store", headers: { "X-Showup-Shell": "1" } })
    .then(function (response) {
      if (!response.ok || response.redirected) { return false; }
      return response.text().then(function (html) {
        html = html
          .replace(/(<input[^>]*name="idempotency_key"[^>]*value=")[^"]*(")/g, "$1$2")
          .replace(/<html([^>]*)>/, "<html$1 data-offline-copy>");
        return caches.open(CACHE).then(function (cache) {
          return cache.put(shellKey(url), new Response(html, {
            headers: {
              "Content-Type": "text/html; charset=utf-8",
              "X-Showup-Lang": lang || "",
              "X-Showup-Kept-At": String(Date.now())
            }
          }));
        }).then(function () { return true; });
      });
    })
    .catch(function () { return false; });
}

function refreshShells(urls, lang) {
  var now = Date.now();
  return caches.open(CACHE).then(function (cache) {
    return Promise.all(urls.map(function (url) {
      return cache.match(shellKey(url)).then(function (kept) {
        var keptAt = kept ? Number(kept.headers.get("X-Showup-Kept-At") || 0) : 0;
        var fresh = kept && kept.headers.get("X-Showup-Lang") === (lang || "") &&
          now - Math.max(keptAt, lastShellFetch[url] || 0) < SHELL_REFRESH_MS;
        if (fresh) { return true; }
        lastShellFetch[url] = now;
        return keepShell(url, lang).then(function (ok) { return ok || Boolean(kept); });
      });
    }));
  }).then(function (results) { return results.every(Boolean); });
}

function notifyClients(message) {
  return self.clients.matchAll({ type: "window" }).then(function (clients) {
    clients.forEach(function (client) { client.postMessage(message); });
  });
}

self.addEventListener("message", function (event) {
  var data = event.data || {};
  var source = event.source;
  if (data.type === "keep-shells") {
    event.waitUntil(refreshShells(data.urls || [], data.lang).then(function (ok) {
      if (source) { source.postMessage({ type: "shells-kept", ok: ok }); }
    }));
  } else if (data.type === "logout") {
    // A shared phone: nothing of this officer's session stays behind.
    event.waitUntil(caches.keys().then(function (keys) {
      return Promise.all(keys.map(function (key) { return caches.delete(key); }));
    }).then(function () { if (source) { source.postMessage({ type: "logged-out" }); } }));
  }
});

function withTimeout(promise, ms) {
  return new Promise(function (resolve, reject) {
    var timer = setTimeout(function () { reject(new Error("timeout")); }, ms);
    promise.then(function (v) { clearTimeout(timer); resolve(v); }, function (e) { clearTimeout(timer); reject(e); });
  });
}

self.addEventListener("fetch", function (event) {
  var req = event.request;
  if (req.method !== "GET") { return; }  // POSTs: the page's outbox handles failures
  var url = new URL(req.url);
  if (url.origin !== self.location.origin) { return; }
  if (req.mode === "navigate") {
    event.respondWith(
      caches.match(shellKey(req.url), { cacheName: CACHE }).then(function (shell) {
        // A weak signal must not keep a kept blank form waiting for ever.
        var network = shell ? withTimeout(fetch(req), 10000) : fetch(req);
        return network.catch(function () {
          return shell || caches.match(CFG.offlineUrl, { cacheName: CACHE }).then(function (page) {
            return page || Response.error();
          });
        });
      })
    );
    return;
  }
  if (CFG.precache.indexOf(url.pathname) !== -1) {
    // The shell's static files: from the phone first, then the network.
    event.respondWith(caches.match(req, { cacheName: CACHE }).then(function (hit) { return hit || fetch(req); }));
  }
});

self.addEventListener("sync", function (event) {
  if (event.tag !== "showup-outbox") { return; }
  event.waitUntil(
    ShowupOutbox.replayAll({ sessionUrl: CFG.sessionUrl }).then(function (results) {
      return notifyClients({ type: "outbox-replayed", results: results.map(function (r) {
        return { id: r.entry ? r.entry.id : "", result: r.result, url: r.url || "", label: r.entry ? r.entry.label : "" };
      }) });
    })
  );
});
