/* Evidence uploads that fit a village network (the item upload forms of
 * templates/assessment/_evidence.html; evidence.js hands their files to huayuUpload.enqueue).
 *
 * - A photo is shrunk on the phone before it is sent: at most 2,000 px on its long side, JPEG
 *   quality 0.85, upright by its EXIF orientation (createImageBitmap, imageOrientation
 *   "from-image"); the original is sent when the form's 上传原图 box is ticked, or when the
 *   copy would not be smaller. Other files (PDF, Office, HEIC the browser cannot draw) go as they are.
 * - One file a request (XMLHttpRequest), one request at a time: the status line shows the real
 *   percentage sent and the time left.
 * - A dropped or stalled upload (or one cut when the browser goes offline) is kept in memory
 *   and sent again by itself, after 2, 4, 8, 15, 30, then every 60 s, and at once when the
 *   browser is back online. Each file carries an `upload_key`: a repeat of one that reached the server (its
 *   reply was lost) is answered as done and not stored twice.
 * - Leaving the page while files are waiting or sending asks first (beforeunload).
 * - Each waiting file is also kept in this browser's IndexedDB ("huayu-uploads"; per user,
 *   assessment and item, from #keep-state and the evidence block) until the server has answered:
 *   a reload or a closed tab loses nothing; the page sends what it kept, with the same upload_key
 *   (stored once), when it is opened again.
 * - A file refused because the session ended waits for keep.js's login in a small window
 *   (window.huayuRelogin) and is sent with the fresh CSRF token, without reloading the page.
 * The texts come from #upload-texts (data-* attributes, translated in the template).
 * Without this script the form posts the chosen files as they are.
 */
(function () {
  "use strict";
  if (!window.XMLHttpRequest || !window.FormData || !window.Promise || !Element.prototype.closest) return;

  var MAX_SIDE = 2000;
  var QUALITY = 0.85;
  var SMALL_ENOUGH = 1024 * 1024;  // a photo within MAX_SIDE and under this many bytes goes as it is
  var SHRINKABLE = /^image\/(jpeg|png|webp)$/;
  var BACKOFF = [2, 4, 8, 15, 30, 60];  // seconds before each retry
  var STALL_MS = 45000;  // no byte sent for this long: the connection is dead, start again
  var REPLY_MS = 120000;  // everything sent: the server checks and stores the file

  var keepBar = document.getElementById("keep-state");
  var owner = keepBar ? keepBar.dataset.user + ":" + keepBar.dataset.assessment : "";
  var queue = [];  // jobs in order; queue[0] is the one being prepared or sent
  var running = null;

  function text(key, values) {
    var holder = document.getElementById("upload-texts");
    var value = (holder && holder.getAttribute("data-" + key)) || "";
    return value.replace(/\{(\w+)\}/g, function (_, name) { return values && name in values ? values[name] : ""; });
  }

  function newKey() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  function duration(seconds) {
    seconds = Math.max(1, Math.round(seconds));
    if (seconds < 60) return text("seconds", {n: seconds});
    return text("minutes", {m: Math.floor(seconds / 60), s: seconds % 60});
  }

  function sizeText(bytes) {
    return bytes >= 1048576 ? (bytes / 1048576).toFixed(1) + " MB" : Math.max(1, Math.round(bytes / 1024)) + " KB";
  }

  // --- the status line of the job's evidence block -------------------------------------------

  function blockOf(job) {
    return document.getElementById(job.blockId);
  }

  function statusOf(block) {
    var nodes = block ? block.querySelectorAll("[data-evidence-status]") : [];
    for (var i = 0; i < nodes.length; i++) {
      if (nodes[i].closest("[data-evidence-block]") === block) return nodes[i];
    }
    return null;
  }

  function show(job, message, kind, percent) {
    var status = statusOf(blockOf(job));
    if (!status) return;
    status.className = "evidence-status" + (kind ? " text-" + kind : "");
    var view = job.view;
    if (percent !== undefined && view && view.status === status && status.contains(view.fill)) {
      // The same upload going on: change the words and the bar, keep the cancel button under the finger.
      view.line.textContent = message;
      view.waiting.textContent = queue.length > 1 ? text("waiting", {n: queue.length - 1}) : "";
      view.fill.style.width = percent + "%";
      view.fill.parentNode.setAttribute("aria-valuenow", String(percent));
      return;
    }
    job.view = null;
    status.textContent = "";
    var line = document.createElement("span");
    line.className = "upload-text";
    line.textContent = message;
    status.appendChild(line);
    if (percent === undefined) return;
    var waiting = document.createElement("span");
    waiting.textContent = queue.length > 1 ? text("waiting", {n: queue.length - 1}) : "";
    status.appendChild(waiting);
    var bar = document.createElement("div");
    bar.className = "progress evidence-progress";
    bar.setAttribute("role", "progressbar");
    bar.setAttribute("aria-valuemin", "0");
    bar.setAttribute("aria-valuemax", "100");
    bar.setAttribute("aria-valuenow", String(percent));
    var fill = document.createElement("div");
    fill.className = "progress-bar";
    fill.style.width = percent + "%";
    bar.appendChild(fill);
    status.appendChild(bar);
    var cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "btn btn-link btn-sm text-danger upload-cancel";
    cancel.textContent = text("cancel");
    cancel.addEventListener("click", function () { cancelJob(job); });
    status.appendChild(cancel);
    job.view = {status: status, line: line, waiting: waiting, fill: fill};
  }

  function replace(block, html) {
    var holder = document.createElement("template");
    holder.innerHTML = html.trim();
    var fresh = holder.content.firstElementChild;
    if (fresh && block) block.replaceWith(fresh);
  }

  // --- kept on the phone until the server has answered (IndexedDB) ---------------------------

  var opened = null;

  function db() {
    if (!owner || !window.indexedDB) return Promise.resolve(null);
    if (!opened) {
      opened = new Promise(function (resolve) {
        var request = window.indexedDB.open("huayu-uploads", 1);
        request.onupgradeneeded = function () { request.result.createObjectStore("files", {keyPath: "key"}); };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = request.onblocked = function () { resolve(null); };
      }).catch(function () { return null; });
    }
    return opened;
  }

  function remember(job) {
    db().then(function (base) {
      if (!base || job.forgotten) return;
      base.transaction("files", "readwrite").objectStore("files").put({
        key: job.key, owner: owner, blockId: job.blockId, url: job.url, name: job.name, at: job.at,
        maxBytes: job.maxBytes, keepOriginal: job.keepOriginal, body: job.body, file: job.body ? null : job.file
      });
    }).catch(function () { /* storage full or refused: the page still sends */ });
  }

  function forget(job) {
    job.forgotten = true;
    db().then(function (base) {
      if (base) base.transaction("files", "readwrite").objectStore("files").delete(job.key);
    }).catch(function () {});
  }

  function restore() {
    db().then(function (base) {
      if (!base) return;
      var request = base.transaction("files").objectStore("files").getAll();
      request.onsuccess = function () {
        request.result.sort(function (a, b) { return a.at - b.at; }).forEach(function (kept) {
          if (kept.owner !== owner || !document.getElementById(kept.blockId)) return;
          var job = {
            url: kept.url, blockId: kept.blockId, file: kept.file || kept.body, name: kept.name, at: kept.at,
            maxBytes: kept.maxBytes, keepOriginal: kept.keepOriginal, key: kept.key, attempt: 0, body: kept.body
          };
          queue.push(job);
          show(job, text("kept", {name: job.name}), "warning");
        });
        pump();
      };
    }).catch(function () {});
  }

  // --- shrinking a photo ---------------------------------------------------------------------

  function shrink(file) {
    if (!SHRINKABLE.test(file.type) || !window.createImageBitmap) return Promise.resolve(null);
    return window.createImageBitmap(file, {imageOrientation: "from-image"}).then(function (bitmap) {
      var scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
      if (scale === 1 && file.size <= SMALL_ENOUGH) {
        bitmap.close();
        return null;
      }
      var canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(bitmap.width * scale));
      canvas.height = Math.max(1, Math.round(bitmap.height * scale));
      var context = canvas.getContext("2d");
      context.fillStyle = "#fff";  // a transparent PNG goes onto white, as the server's thumbnails do
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.imageSmoothingEnabled = true;
      context.imageSmoothingQuality = "high";
      context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      bitmap.close();
      return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", QUALITY); });
    }).then(function (blob) {
      return blob && blob.size < file.size ? blob : null;
    }).catch(function () {
      return null;  // a format this browser cannot draw: the file goes as it is
    });
  }

  function jpegName(name) {
    return /\.jpe?g$/i.test(name) ? name : name.replace(/\.[^.\/]*$/, "") + ".jpg";
  }

  function prepare(job) {
    if (job.body) return Promise.resolve();
    if (job.keepOriginal) {
      job.body = job.file;
      return Promise.resolve();
    }
    show(job, text("shrinking", {name: job.name}), "muted", 0);
    return shrink(job.file).then(function (blob) {
      if (blob) {
        job.body = blob;
        job.name = jpegName(job.name);
      } else {
        job.body = job.file;
      }
      remember(job);  // the very bytes that go, so that a reopened page sends the same file
    });
  }

  // --- sending ---------------------------------------------------------------------------------

  function token(job) {
    var block = blockOf(job);
    var field = (block && block.querySelector("input[name=csrfmiddlewaretoken]")) ||
      document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function pump() {
    if (running || !queue.length) return;
    var job = running = queue[0];
    prepare(job).then(function () {
      if (job.cancelled) return finish(job);
      if (job.body.size > job.maxBytes && job.maxBytes) {
        show(job, text("too-big", {name: job.name, max: sizeText(job.maxBytes)}), "danger");
        return finish(job);
      }
      send(job);
    });
  }

  function finish(job) {
    var at = queue.indexOf(job);
    if (at >= 0) queue.splice(at, 1);
    if (running === job) running = null;
    clearTimeout(job.timer);
    forget(job);
    pump();
  }

  function watch(job, ms) {
    clearTimeout(job.watchdog);
    job.watchdog = setTimeout(function () {
      if (job.xhr) job.xhr.abort();
    }, ms);
  }

  function progress(job, loaded, total) {
    var now = Date.now();
    var percent = total ? Math.min(100, Math.floor(loaded * 100 / total)) : 0;
    var seconds = (now - job.started) / 1000;
    var message;
    if (loaded >= total) {
      message = text("processing", {name: job.name});
    } else if (seconds >= 1 && loaded > 0) {
      message = text("progress", {name: job.name, percent: percent, size: sizeText(total),
        left: duration((total - loaded) / (loaded / seconds))});
    } else {
      message = text("starting", {name: job.name, percent: percent, size: sizeText(total)});
    }
    show(job, message, "muted", percent);
  }

  function send(job) {
    var body = new FormData();
    body.append("csrfmiddlewaretoken", token(job));
    body.append("upload_key", job.key);
    body.append("file", job.body, job.name);
    var xhr = job.xhr = new XMLHttpRequest();
    job.started = Date.now();
    xhr.open("POST", job.url);
    xhr.setRequestHeader("X-Requested-With", "fetch");
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-CSRFToken", token(job));
    xhr.upload.onprogress = function (event) {
      watch(job, event.loaded >= event.total ? REPLY_MS : STALL_MS);
      if (event.lengthComputable) progress(job, event.loaded, event.total);
    };
    xhr.onload = function () {
      clearTimeout(job.watchdog);
      job.xhr = null;
      var data = null;
      if ((xhr.getResponseHeader("Content-Type") || "").indexOf("application/json") !== -1) {
        try { data = JSON.parse(xhr.responseText); } catch (e) { data = null; }
      }
      if (data && !data.login) return answered(job, data);
      if (xhr.status >= 500 || xhr.status === 0 || xhr.status === 408 || xhr.status === 429) return retry(job);
      // A login page (the session ended) or a refusal without a message.
      var login = xhr.status === 401 || xhr.status === 403 || xhr.responseURL.indexOf("/accounts/login") !== -1;
      if (login && window.huayuRelogin) {  // keep.js asks to log in again, then this file goes on
        show(job, text("relogin", {name: job.name}), "warning");
        window.huayuRelogin(function () { if (!job.cancelled) send(job); });
        return;
      }
      show(job, text(login ? "login" : "server"), "danger");
      finish(job);
    };
    xhr.onerror = function () { clearTimeout(job.watchdog); job.xhr = null; retry(job); };
    xhr.onabort = function () {
      clearTimeout(job.watchdog);
      job.xhr = null;
      if (job.cancelled) finish(job);
      else retry(job);  // stalled (the watchdog aborted it), or the browser went offline
    };
    watch(job, STALL_MS);
    progress(job, 0, job.body.size);
    xhr.send(body);
  }

  function answered(job, data) {
    var block = blockOf(job);
    if (data.html) replace(block, data.html);
    if (data.ok) show(job, data.message || text("done"), "success");
    else show(job, data.error || text("server"), "danger");
    finish(job);
  }

  function retry(job) {
    if (job.cancelled) return finish(job);
    job.attempt += 1;
    if (navigator.onLine === false) {
      job.offline = true;
      show(job, text("offline", {name: job.name}), "warning", 0);
      return;  // the online event sends it
    }
    var wait = BACKOFF[Math.min(job.attempt - 1, BACKOFF.length - 1)];
    job.due = Date.now() + wait * 1000;
    tick(job);
  }

  function tick(job) {
    var left = Math.ceil((job.due - Date.now()) / 1000);
    if (left <= 0) return send(job);
    show(job, text("retry", {name: job.name, n: left}), "warning", 0);
    job.timer = setTimeout(function () { tick(job); }, 1000);
  }

  function cancelJob(job) {
    job.cancelled = true;
    clearTimeout(job.timer);
    clearTimeout(job.watchdog);
    show(job, text("cancelled", {name: job.name}), "muted");
    if (job.xhr) job.xhr.abort();  // onabort finishes it
    else if (running !== job || job.body) finish(job);  // waiting, or between attempts
  }

  window.addEventListener("offline", function () {
    // The phone has lost its network: what is in flight will not arrive; wait for "online".
    if (running && running.xhr) running.xhr.abort();
  });

  window.addEventListener("online", function () {
    var job = running;
    if (!job || job.xhr || job.cancelled || !job.body) return;
    clearTimeout(job.timer);
    job.offline = false;
    send(job);  // at once, not at the end of the back-off
  });

  window.addEventListener("beforeunload", function (event) {
    if (!queue.length) return;
    event.preventDefault();
    event.returnValue = text("leave");
    return event.returnValue;
  });

  restore();

  window.huayuUpload = {
    enqueue: function (form, files) {
      var block = form.closest("[data-evidence-block]");
      if (!block || !block.id) return false;
      var keep = form.querySelector("input[name=original]");
      var max = parseInt(form.getAttribute("data-max-bytes") || "0", 10);
      for (var i = 0; i < files.length; i++) {
        var job = {
          url: form.action, blockId: block.id, file: files[i], name: files[i].name, maxBytes: max,
          keepOriginal: !!(keep && keep.checked), key: newKey(), attempt: 0, body: null, at: Date.now() + i
        };
        queue.push(job);
        remember(job);
      }
      pump();
      return true;
    }
  };
})();
