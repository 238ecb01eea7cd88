/* showup field app: the outbox, a store on this phone for forms that could not be sent yet.
 *
 * Shared by the pages (field-app.js) and the service worker (sw.js, for Background Sync): no
 * DOM here. One IndexedDB database, "showup-outbox", one object store "entries", keyed by the
 * form's idempotency key. An entry holds the form's fields and files (photos as Blobs), whose
 * account filed it, and where it stands:
 *
 *   {id, user, url, kind, label, createdAt, fields: [[name, value]],
 *    files: [[name, blob, filename]], state: "pending" | "refused", attempts, lastStatus}
 *
 * Sending: a fresh CSRF token and the signed-in account come from the session endpoint first
 * (a page kept on the phone has an old token; entries of another account are never sent). The
 * POST carries `X-Showup-Outbox: 1`, so the server answers a success (its redirect) with JSON
 * {"redirect": url} (core.outbox.OutboxAnswerMiddleware) instead of a page. The idempotency key
 * rides in the form fields: a repeat of a report that did arrive returns the first report.
 */
(function (root) {
  "use strict";

  var DB_NAME = "showup-outbox";
  var STORE = "entries";
  var LOCK = "showup-outbox";

  function request(req) {
    return new Promise(function (resolve, reject) {
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  function open() {
    var req = root.indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = function () {
      var store = req.result.createObjectStore(STORE, { keyPath: "id" });
      store.createIndex("user", "user", { unique: false });
    };
    return request(req);
  }

  function withStore(mode, fn) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result;
        Promise.resolve(fn(tx.objectStore(STORE))).then(function (value) { result = value; }, reject);
        tx.oncomplete = function () { db.close(); resolve(result); };
        tx.onerror = function () { db.close(); reject(tx.error); };
        tx.onabort = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function put(entry) { return withStore("readwrite", function (s) { return request(s.put(entry)); }); }

  function get(id) { return withStore("readonly", function (s) { return request(s.get(id)); }); }

  function remove(id) { return withStore("readwrite", function (s) { return request(s.delete(id)); }); }

  /* This account's entries, oldest first. Another account's are never listed or sent. */
  function list(user) {
    return withStore("readonly", function (s) {
      return request(s.index("user").getAll(String(user)));
    }).then(function (entries) {
      return (entries || []).sort(function (a, b) { return a.createdAt - b.createdAt; });
    });
  }

  /* Everything, every account's: on logout (a shared phone keeps nothing of a child). */
  function clearAll() { return withStore("readwrite", function (s) { return request(s.clear()); }); }

  function newKey() {
    if (root.crypto && typeof root.crypto.randomUUID === "function") { return root.crypto.randomUUID(); }
    var b = new Uint8Array(16);
    root.crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  /* An entry from a FormData (the page builds it; the key must already be in the fields). */
  function entryFrom(formData, meta) {
    var fields = [], files = [];
    formData.forEach(function (value, name) {
      if (name === "csrfmiddlewaretoken") { return; }  // stale by the time it is sent
      if (typeof value === "string") { fields.push([name, value]); return; }
      if (value && value.size > 0) { files.push([name, value, value.name || "photo"]); }
    });
    var id = "";
    fields.forEach(function (f) { if (f[0] === "idempotency_key") { id = f[1]; } });
    return {
      id: id || newKey(),
      user: String(meta.user),
      url: meta.url,
      kind: meta.kind || "",
      label: meta.label || "",
      createdAt: Date.now(),
      fields: fields,
      files: files,
      state: "pending",
      attempts: 0,
      lastStatus: 0
    };
  }

  function timeout(ms) {
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, ms) : null;
    return { signal: controller ? controller.signal : undefined, done: function () { clearTimeout(timer); } };
  }

  /* Who is signed in here, and a CSRF token for them. null when the server cannot be reached. */
  function session(sessionUrl) {
    var t = timeout(10000);
    return root.fetch(sessionUrl, {
      credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" }, signal: t.signal
    }).then(function (r) {
      t.done();
      if (!r.ok) { return null; }
      return r.json();
    }, function () { t.done(); return null; });
  }

  /* POST one entry. Resolves to {result, url?, status?, response?}:
   *   "sent"    the server confirmed (url: where the report is)
   *   "login"   the session ended: log in again, then it is sent
   *   "retry"   no connection, a timeout, a server error or still in flight (409): keep it
   *   "refused" the server refused the content (400, 403, 422…): a person must look at it */
  function send(entry, opts) {
    var body = new FormData();
    entry.fields.forEach(function (f) { body.append(f[0], f[1]); });
    entry.files.forEach(function (f) { body.append(f[0], f[1], f[2]); });
    body.append("csrfmiddlewaretoken", opts.csrf);
    var t = timeout(opts.timeoutMs || 30000);
    return root.fetch(entry.url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-Showup-Outbox": "1", "X-CSRFToken": opts.csrf, Accept: "application/json" },
      signal: t.signal
    }).then(function (r) {
      t.done();
      var type = r.headers.get("Content-Type") || "";
      if (r.ok && type.indexOf("application/json") === 0) {
        return r.json().then(function (answer) {
          if (!answer || !answer.redirect) { return { result: "refused", status: r.status }; }
          if (answer.login) { return { result: "login", status: r.status }; }
          return { result: "sent", url: answer.redirect, status: r.status };
        });
      }
      if (r.status === 409 || r.status === 429 || r.status >= 500) { return { result: "retry", status: r.status }; }
      return { result: "refused", status: r.status, response: r };
    }, function () {
      t.done();
      return { result: "retry", status: 0 };
    });
  }

  function exclusive(fn) {
    if (root.navigator && root.navigator.locks && root.navigator.locks.request) {
      return root.navigator.locks.request(LOCK, fn);
    }
    return fn();
  }

  /* Send every pending entry of the signed-in account, one after the other, under a lock
   * shared by the tabs and the service worker. Resolves to a list of {entry, result, url}. */
  function replayAll(opts) {
    return exclusive(function () {
      return session(opts.sessionUrl).then(function (who) {
        if (!who) { return [{ result: "offline" }]; }
        if (!who.user) { return [{ result: "login" }]; }
        if (opts.user && String(who.user) !== String(opts.user)) { return []; }
        return list(who.user).then(function (entries) {
          var out = [];
          var chain = Promise.resolve();
          entries.forEach(function (entry) {
            if (entry.state !== "pending") { return; }
            chain = chain.then(function () {
              if (out.length && out[out.length - 1].result === "retry" && out[out.length - 1].status === 0) {
                return;  // the connection is gone again: do not hammer it
              }
              return send(entry, { csrf: who.csrf, timeoutMs: opts.timeoutMs }).then(function (res) {
                out.push({ entry: entry, result: res.result, url: res.url, status: res.status });
                if (res.result === "sent") { return remove(entry.id); }
                entry.attempts += 1;
                entry.lastStatus = res.status || 0;
                if (res.result === "refused") { entry.state = "refused"; }
                return put(entry);
              });
            });
          });
          return chain.then(function () { return out; });
        });
      });
    });
  }

  root.ShowupOutbox = {
    put: put, get: get, remove: remove, list: list, clearAll: clearAll, newKey: newKey,
    entryFrom: entryFrom, session: session, send: send, replayAll: replayAll
  };
})(typeof self !== "undefined" ? self : this);
