/* showup: check families in at the door with the phone's camera.
 *
 * The door page's scanner section ([data-door-scanner], templates/events/staff/door.html) is
 * hidden until this script shows it, so a phone without JavaScript keeps the name search.
 * Everything it needs comes from the section's data- attributes: the scan endpoint
 * (events:door_scan), the vendored decoder and its .wasm, the account and event, and every
 * sentence it says, in the page's language (data-msg-*; "{ref}", "{n}" and "{message}" are
 * filled in here). No inline script, for the Content-Security-Policy.
 *
 * - The camera (getUserMedia, the back camera where there is one) is read a few times a second
 *   by a BarcodeDetector: the browser's own where it reads QR codes (Chrome on Android,
 *   Safari), else the vendored polyfill (static/vendor/barcode-detector/, ZXing-C++ compiled to
 *   WebAssembly). Its .wasm comes from showup's own static URL (never a CDN) and is compiled
 *   when the page loads, so the camera still decodes after the connection drops.
 * - Each scan gets an id made here (scan_id) and the time it was made (scanned_at), and is kept
 *   in IndexedDB ("showup-door") before it is sent. The server records a scan id once
 *   (services.checkin_record), so a scan sent twice counts once; a code scanned again on this
 *   phone reuses its first scan id, so the same family is never checked in twice from here.
 * - No connection (or the server unreachable, or the session ended): the scan stays on the
 *   phone and is sent when the browser is back online, every 20 seconds while any wait, and
 *   when the page is opened again. Only this account's scans for this event are sent.
 * - A refusal (an invalid or forged code, another event's, a family not confirmed) is said and
 *   the scan dropped: scanning it again asks the server again.
 * - What happened is said in a polite live region and listed, newest first, with a "Print
 *   badge" link for each child checked in (events:badge).
 *
 * The phone keeps only the code's text (a signed registration id), the scan id and time: no
 * names. Scans older than two days are forgotten.
 */
(function () {
  "use strict";

  var root = document.querySelector("[data-door-scanner]");
  if (!root) { return; }

  var DB_NAME = "showup-door";
  var STORE = "scans";
  var KEEP_MS = 2 * 24 * 3600 * 1000;
  var SAME_CODE_MS = 2500;   // the same code still in view is one scan
  var FRAME_MS = 200;
  var RETRY_MS = 20000;

  var scanUrl = root.getAttribute("data-scan-url");
  var eventId = root.getAttribute("data-event");
  var userId = root.getAttribute("data-user");
  var startButton = root.querySelector("[data-scan-start]");
  var stopButton = root.querySelector("[data-scan-stop]");
  var video = root.querySelector("[data-scan-video]");
  var statusBox = root.querySelector("[data-scan-status]");
  var pendingBox = root.querySelector("[data-scan-pending]");
  var results = root.querySelector("[data-scan-results]");
  var lang = document.documentElement.lang || "en";

  // --- words ----------------------------------------------------------------------------------

  function msg(name, values) {
    var text = root.getAttribute("data-msg-" + name) || "";
    Object.keys(values || {}).forEach(function (key) {
      text = text.split("{" + key + "}").join(String(values[key]));
    });
    return text;
  }

  function plural(name, n, values) {
    var form = "other";
    try { form = new Intl.PluralRules(lang).select(n) === "one" ? "one" : "other"; } catch (e) { /* old browser */ }
    var all = { n: n };
    Object.keys(values || {}).forEach(function (key) { all[key] = values[key]; });
    return msg(name + "-" + form, all);
  }

  var announceTimer = null;
  function announce(text) {
    // Emptied first, so the same sentence twice is announced twice.
    statusBox.textContent = "";
    clearTimeout(announceTimer);
    announceTimer = setTimeout(function () { statusBox.textContent = text; }, 50);
  }

  // --- the scans kept on this phone (IndexedDB) --------------------------------------------------

  function request(req) {
    return new Promise(function (resolve, reject) {
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  function withStore(mode, fn) {
    var open = indexedDB.open(DB_NAME, 1);
    open.onupgradeneeded = function () {
      open.result.createObjectStore(STORE, { keyPath: "scan_id" });
    };
    return request(open).then(function (db) {
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

  function put(scan) { return withStore("readwrite", function (s) { return request(s.put(scan)); }); }

  function remove(scanId) { return withStore("readwrite", function (s) { return request(s.delete(scanId)); }); }

  /* This account's scans for this event, oldest first; old ones are forgotten on the way. */
  function mine() {
    return withStore("readwrite", function (s) {
      return request(s.getAll()).then(function (all) {
        var now = Date.now();
        var kept = [];
        all.forEach(function (scan) {
          if (now - scan.created > KEEP_MS) { s.delete(scan.scan_id); return; }
          if (scan.event === eventId && scan.user === userId) { kept.push(scan); }
        });
        kept.sort(function (a, b) { return a.created - b.created; });
        return kept;
      });
    });
  }

  function newScanId() {
    if (window.crypto && crypto.randomUUID) { return "cam-" + crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return "cam-" + Array.prototype.map.call(bytes, function (b) {
      return (b + 256).toString(16).slice(1);
    }).join("");
  }

  // --- sending ---------------------------------------------------------------------------------

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) { return decodeURIComponent(match[1]); }
    var input = root.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  /* Resolves to {kind: "done"|"refused"|"kept", body, reason}. Never rejects. */
  function send(scan) {
    return fetch(scanUrl, {
      method: "POST",
      credentials: "same-origin",
      redirect: "manual",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": csrfToken()
      },
      body: JSON.stringify({ payload: scan.payload, scan_id: scan.scan_id, scanned_at: scan.scanned_at })
    }).then(function (response) {
      // A redirect (to the login page) means the session ended.
      if (response.type === "opaqueredirect") { return { kind: "kept", reason: "login" }; }
      return response.json().catch(function () { return null; }).then(function (body) {
        if (response.ok && body) { return { kind: "done", body: body }; }
        if (response.status === 401 || response.status === 403) {
          // The session ended or the page's CSRF token is stale: keep it for after a login.
          return { kind: "kept", reason: "login" };
        }
        if (response.status >= 500 || !body) { return { kind: "kept", reason: "offline" }; }
        return { kind: "refused", body: body };
      });
    }, function () {
      return { kind: "kept", reason: "offline" };
    });
  }

  function settle(scan, outcome, quiet) {
    if (outcome.kind === "done") {
      scan.state = "sent";
      return put(scan).then(function () { showResult(scan, outcome.body); });
    }
    if (outcome.kind === "refused") {
      return remove(scan.scan_id).then(function () { showRefusal(scan, outcome.body); });
    }
    showWaiting(scan);
    if (!quiet) { announce(msg(outcome.reason === "login" ? "login" : "offline")); }
    return Promise.resolve();
  }

  var flushing = null;
  /* Send every scan still waiting, oldest first, one at a time. */
  function flush() {
    if (flushing) { return flushing; }
    flushing = mine().then(function (scans) {
      var waiting = scans.filter(function (scan) { return scan.state === "pending"; });
      return waiting.reduce(function (chain, scan) {
        return chain.then(function (goOn) {
          if (!goOn) { return false; }
          return send(scan).then(function (outcome) {
            // Still no connection: the rest wait too, and nothing more is said.
            return settle(scan, outcome, outcome.kind === "kept").then(function () {
              return outcome.kind !== "kept";
            });
          });
        });
      }, Promise.resolve(true));
    }).catch(function () { /* IndexedDB unavailable: nothing kept to send */ })
      .then(updatePending, updatePending)
      .then(function () { flushing = null; });
    return flushing;
  }

  function updatePending() {
    return mine().then(function (scans) {
      var n = scans.filter(function (scan) { return scan.state === "pending"; }).length;
      pendingBox.hidden = n === 0;
      pendingBox.textContent = n ? plural("pending", n) : "";
    }).catch(function () { /* nothing kept */ });
  }

  /* A code read by the camera. */
  var lastCode = null;
  var lastSeen = 0;
  function onCode(payload) {
    var now = Date.now();
    if (payload === lastCode && now - lastSeen < SAME_CODE_MS) { lastSeen = now; return; }
    lastCode = payload;
    lastSeen = now;
    if (navigator.vibrate) { navigator.vibrate(80); }
    mine().then(function (scans) {
      var scan = scans.filter(function (s) { return s.payload === payload; })[0];
      if (!scan) {
        scan = {
          scan_id: newScanId(), event: eventId, user: userId, payload: payload,
          scanned_at: new Date().toISOString(), created: Date.now(), state: "pending"
        };
        return put(scan).then(function () { return scan; });
      }
      return scan;
    }).then(function (scan) {
      return send(scan).then(function (outcome) { return settle(scan, outcome, false); });
    }).then(updatePending, function () {
      // No IndexedDB (a private window on some browsers): send it once, as is.
      var scan = { scan_id: newScanId(), payload: payload, scanned_at: new Date().toISOString() };
      return send(scan).then(function (outcome) {
        if (outcome.kind === "done") { showResult(scan, outcome.body); }
        else if (outcome.kind === "refused") { showRefusal(scan, outcome.body); }
        else { announce(msg(outcome.reason === "login" ? "login" : "offline")); }
      });
    });
  }

  // --- the list of scans -------------------------------------------------------------------------

  function item(scanId) {
    var li = results.querySelector('[data-scan-id="' + CSS.escape(scanId) + '"]');
    if (!li) {
      li = document.createElement("li");
      li.className = "card door-scan-result";
      li.setAttribute("data-scan-id", scanId);
    }
    li.textContent = "";
    results.insertBefore(li, results.firstChild);
    return li;
  }

  function line(li, text, className) {
    var p = document.createElement("p");
    p.textContent = text;
    if (className) { p.className = className; }
    li.appendChild(p);
    return p;
  }

  function showWaiting(scan) {
    var li = item(scan.scan_id);
    li.setAttribute("data-state", "waiting");
    line(li, msg("waiting"), "meta");
    var time = new Date(scan.scanned_at);
    line(li, time.toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" }), "meta");
  }

  // Printing a badge is a POST (it marks the badge as given), like the door page's buttons.
  function badgeForm(child) {
    var form = document.createElement("form");
    form.method = "post";
    form.action = child.badge_url;
    form.className = "inline";
    var token = document.createElement("input");
    token.type = "hidden";
    token.name = "csrfmiddlewaretoken";
    token.value = csrfToken();
    var button = document.createElement("button");
    button.type = "submit";
    button.className = "secondary small";
    button.textContent = msg("print-badge");
    var hidden = document.createElement("span");
    hidden.className = "visually-hidden";
    hidden.textContent = ": " + child.first_name;
    button.appendChild(hidden);
    form.appendChild(token);
    form.appendChild(button);
    return form;
  }

  function showResult(scan, body) {
    var n = body.children_checked_in;
    var text = plural(body.status === "already" ? "already" : "checked-in", n, { ref: body.reference });
    var li = item(scan.scan_id);
    li.setAttribute("data-state", body.status);
    line(li, text, "door-scan-ok");
    var list = document.createElement("ul");
    list.className = "door-children";
    (body.children || []).forEach(function (child) {
      var row = document.createElement("li");
      var name = document.createElement("bdi");
      name.className = "child-name";
      name.textContent = child.first_name;
      row.appendChild(name);
      row.appendChild(badgeForm(child));
      list.appendChild(row);
    });
    li.appendChild(list);
    // A scan sent later, after the connection came back, is announced too.
    announce(text);
  }

  function showRefusal(scan, body) {
    var code = body && body.code;
    var text = (code && msg(code)) || msg("error", { message: (body && body.message) || "" });
    var li = item(scan.scan_id);
    li.setAttribute("data-state", "refused");
    line(li, text, "door-scan-error");
    announce(text);
  }

  // --- the decoder -------------------------------------------------------------------------------

  var detectorPromise = null;

  function nativeDetector() {
    if (!("BarcodeDetector" in window)) { return Promise.resolve(null); }
    return window.BarcodeDetector.getSupportedFormats().then(function (formats) {
      return formats.indexOf("qr_code") >= 0 ? new window.BarcodeDetector({ formats: ["qr_code"] }) : null;
    }, function () { return null; });
  }

  function loadScript(url) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = url;
      script.onload = resolve;
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  function polyfillDetector() {
    return loadScript(root.getAttribute("data-polyfill-url")).then(function () {
      var api = window.BarcodeDetectionAPI;
      var wasmUrl = root.getAttribute("data-wasm-url");
      // The .wasm from showup's static files, never the package's default CDN; compiled now,
      // while the page still has a connection.
      return api.prepareZXingModule({
        overrides: {
          locateFile: function (path, prefix) {
            return /\.wasm$/.test(path) ? wasmUrl : prefix + path;
          }
        },
        fireImmediately: true
      }).then(function () { return new api.BarcodeDetector({ formats: ["qr_code"] }); });
    });
  }

  function detector() {
    if (!detectorPromise) {
      detectorPromise = nativeDetector().then(function (found) {
        return found || polyfillDetector();
      }).then(function (found) {
        root.setAttribute("data-decoder", found ? "ready" : "none");
        return found;
      }).catch(function () {
        detectorPromise = null;
        root.setAttribute("data-decoder", "none");
        return null;
      });
    }
    return detectorPromise;
  }

  // --- the camera --------------------------------------------------------------------------------

  var stream = null;
  var timer = null;

  function stop(quiet) {
    clearTimeout(timer);
    timer = null;
    if (stream) { stream.getTracks().forEach(function (track) { track.stop(); }); }
    stream = null;
    video.srcObject = null;
    video.hidden = true;
    stopButton.hidden = true;
    startButton.hidden = false;
    lastCode = null;
    if (!quiet) { announce(msg("stopped")); }
  }

  function loop(found) {
    if (!stream) { return; }
    var next = function () { timer = setTimeout(function () { loop(found); }, FRAME_MS); };
    if (video.readyState < 2) { next(); return; }
    found.detect(video).then(function (codes) {
      var code = codes && codes[0];
      if (code && code.rawValue) { onCode(code.rawValue); }
    }, function () { /* an unreadable frame */ }).then(next);
  }

  function start() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      announce(msg("no-camera"));
      return;
    }
    startButton.disabled = true;
    Promise.all([
      detector(),
      navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: "environment" } }, audio: false })
    ]).then(function (both) {
      var found = both[0];
      stream = both[1];
      if (!found) {
        stop(true);
        announce(msg("no-decoder"));
        return;
      }
      video.srcObject = stream;
      video.hidden = false;
      startButton.hidden = true;
      stopButton.hidden = false;
      return video.play().then(function () {
        announce(msg("scanning"));
        loop(found);
      });
    }).catch(function () {
      stop(true);
      announce(msg("no-camera"));
    }).then(function () { startButton.disabled = false; });
  }

  startButton.addEventListener("click", start);
  stopButton.addEventListener("click", function () { stop(false); startButton.focus(); });
  window.addEventListener("pagehide", function () { stop(true); });
  window.addEventListener("online", flush);
  setInterval(function () {
    if (!pendingBox.hidden) { flush(); }
  }, RETRY_MS);

  root.hidden = false;
  detector();  // compile the decoder while there is a connection
  flush();     // scans kept from an earlier visit
})();
