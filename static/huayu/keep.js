/* Nothing typed is lost (the checklist and the on-site page; huayuKeep).
 *
 * Every edit of an item is kept in this browser's localStorage as it is typed, under
 * "huayu:<user>:<page kind>:<assessment>:<item>", until the server has confirmed it: a reload,
 * a closed tab or a phone without signal loses nothing, and the page sends what it kept when
 * it is opened again. Each save names the version of the item it was based on and carries an
 * id of the edit (the server answers an edit it already has as saved, and refuses one based on
 * an older version as a conflict: assessment/services/edits.py). One request per item at a
 * time, each with a time limit; a failed one is sent again after 1, 2, 4 … 30 s, and at once
 * when the phone is back online. A save refused because the session ended (a redirect to the
 * login page, a 401 or a 403 that is not the app's JSON) holds every save back and offers to
 * log in again in a small window; once the session is back (accounts/session/ says so, with a
 * fresh CSRF token) what waited is sent, without reloading the page. The sticky bar says how
 * many items are not saved and why (离线 / 重试中 / 需重新登录). An upload refused for the lost
 * session (upload.js) waits for the same login through window.huayuRelogin(then).
 *
 * huayuKeep(options) -> keep. options: form, stateOf(id) (the page's state of an item: id, row,
 * status; or null), fields(state) ({name: input} of what a save posts), url(id), show(state,
 * text, kind) (kind "", "ok" or "error"), saved(state, data) (the totals), conflict(state, data,
 * mine) (shows the other person's values; keep.settle settles). keep.send(state) sends what the
 * fields hold now; the page calls it from huayuAutosave.
 */
(function () {
  "use strict";
  var TIMEOUT = 15000;                 // ms a save may take before it counts as failed
  var BACKOFF = [1000, 2000, 4000, 8000, 16000, 30000];
  var POLL = 3000;                     // ms between two looks at the session while logged out

  function newId() {
    var bytes = new Uint8Array(12);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    var text = "";
    for (var i = 0; i < bytes.length; i++) text += ("0" + bytes[i].toString(16)).slice(-2);
    return text;
  }

  function valueOf(input, initial) {
    if (input.type === "checkbox") return (initial ? input.defaultChecked : input.checked) ? "1" : "";
    return initial ? input.defaultValue : input.value;
  }

  window.huayuKeep = function (o) {
    var bar = document.getElementById("keep-state");
    if (!bar || !window.localStorage || !window.JSON) return null;
    var msg = bar.dataset;
    var prefix = "huayu:" + msg.user + ":" + msg.kind + ":" + msg.assessment + ":";
    var states = {};                   // item id -> state with an edit not yet confirmed
    var loggedOut = false, poll = null, loginWindow = null;
    var waiters = [];                  // others held back by the lost session (upload.js): run once back

    function store(state) {
      try {
        if (state.rec) localStorage.setItem(prefix + state.id, JSON.stringify(state.rec));
        else localStorage.removeItem(prefix + state.id);
      } catch (e) { /* storage full or refused: the page still sends */ }
    }

    function values(state, initial) {
      var fields = o.fields(state), result = {};
      for (var name in fields) if (fields[name]) result[name] = valueOf(fields[name], initial);
      return result;
    }

    function same(a, b) {
      for (var name in a) if (a[name] !== b[name]) return false;
      return true;
    }

    function fill(state, given, asSaved) {
      var fields = o.fields(state);
      for (var name in given) {
        var input = fields[name];
        if (!input) continue;
        var value = given[name] === null || given[name] === undefined ? "" : String(given[name]);
        if (input.type === "checkbox") {
          input.checked = value !== "" && value !== "false" && value !== "0";
          if (asSaved) input.defaultChecked = input.checked;
        } else {
          input.value = value;
          if (asSaved) input.defaultValue = value;
        }
      }
    }

    function confirmSaved(state) {
      var fields = o.fields(state);
      for (var name in fields) {
        var input = fields[name];
        if (!input) continue;
        if (input.type === "checkbox") input.defaultChecked = input.checked;
        else input.defaultValue = input.value;
      }
    }

    function track(state) {
      states[state.id] = state;
      state.dirty = !!state.rec;       // huayuAutosave's warning before leaving reads these two
      state.busy = !!state.busy;
    }

    /* What the fields hold now becomes the item's edit to send, unless nothing changed. */
    function capture(state) {
      var now = values(state);
      var rec = state.rec;
      if (rec ? same(now, rec.v) : same(now, values(state, true))) return rec;
      if (!rec) rec = state.rec = {base: state.version, prior: [], edit: newId(), sent: false};
      else if (rec.sent) {
        rec.prior.push(rec.edit);      // it may have reached the server: the next is based on it
        if (rec.prior.length > 20) rec.prior.shift();
        rec.edit = newId();
        rec.sent = false;
      }
      rec.v = now;
      rec.at = Date.now();
      if (state.problem === "invalid") state.problem = null;
      store(state);
      track(state);
      if (!state.busy && !state.problem) o.show(state, msg.msgPending, "");
      render();
      return rec;
    }

    /* The whole-form 保存 (the no-script post) sends this version of the item too. */
    function versioned(state) {
      var fields = document.getElementsByName("version-" + state.id);
      for (var i = 0; i < fields.length; i++) fields[i].value = state.version;
      if (o.versioned) o.versioned(state);
    }

    function later(state) {
      clearTimeout(state.retry);
      var wait = BACKOFF[Math.min(state.attempt || 0, BACKOFF.length - 1)];
      state.attempt = (state.attempt || 0) + 1;
      state.retry = setTimeout(function () { send(state); }, wait * (0.8 + Math.random() * 0.4));
    }

    function post(state, rec) {
      var body = new FormData();
      for (var name in rec.v) body.append(name, rec.v[name]);
      body.append("version", rec.base);
      body.append("edit", rec.edit);
      body.append("prior", rec.prior.join(","));
      var token = o.form.querySelector("input[name=csrfmiddlewaretoken]");
      var abort = window.AbortController ? new AbortController() : null;
      var timer = abort ? setTimeout(function () { abort.abort(); }, TIMEOUT) : null;
      return fetch(o.url(state.id), {
        method: "POST", body: body, credentials: "same-origin", signal: abort ? abort.signal : undefined,
        headers: {"X-CSRFToken": token ? token.value : "", "X-Requested-With": "XMLHttpRequest"}
      }).then(function (response) {
        clearTimeout(timer);
        var type = response.headers.get("Content-Type") || "";
        if (response.redirected || response.status === 401 || type.indexOf("application/json") === -1) {
          if (response.redirected || response.status === 401 || response.status === 403) return {login: true};
          throw new Error("HTTP " + response.status);
        }
        return response.json().then(function (data) { data.httpStatus = response.status; return data; });
      }, function (error) { clearTimeout(timer); throw error; });
    }

    function send(state) {
      clearTimeout(state.retry);
      var rec = capture(state);
      track(state);                    // nothing to send: not dirty, whatever the events said
      if (!rec || state.busy || loggedOut || state.problem === "conflict" || state.problem === "invalid") return;
      var sending = rec.edit;
      rec.sent = true;
      store(state);
      state.busy = true;
      track(state);
      o.show(state, o.msgSaving, "");
      post(state, rec).then(function (data) {
        state.busy = false;
        if (data.login) {
          state.problem = "login";
          logOut();
          o.show(state, msg.msgLogin, "error");
        } else if (data.conflict) {
          state.problem = "conflict";
          o.conflict(state, data, rec.v);
        } else if (!data.ok) {
          state.problem = "invalid";
          // Refused whatever is sent (403: submitted, past the deadline) stays kept on the device:
          // the page opened again lists it to copy or discard (keptOnReadOnlyPage).
          o.show(state, data.error, "error");
        } else {
          state.problem = null;
          state.attempt = 0;
          state.version = String(data.version);
          versioned(state);
          if (state.rec && state.rec.edit === sending) {
            confirmSaved(state);
            state.rec = null;
            store(state);
            o.show(state, o.msgSaved + " " + data.saved_at, "ok");
          } else if (state.rec) {          // typed meanwhile: that edit is now based on this version
            state.rec.base = state.version;
            state.rec.prior = [];
            store(state);
            setTimeout(function () { send(state); }, 0);
          }
          o.saved(state, data);
        }
        track(state);
        render();
      }).catch(function () {
        state.busy = false;
        state.problem = navigator.onLine === false ? "offline" : "retry";
        o.show(state, state.problem === "offline" ? msg.msgOffline + " · " + msg.msgPending
          : o.msgNetwork, "error");
        track(state);
        render();
        later(state);
      });
    }

    /* A conflict settled: "take" their values (mine dropped) or "overwrite" them with mine. */
    function settle(state, current, choice) {
      state.version = String(current.version);
      versioned(state);
      state.problem = null;
      if (choice === "take" || !state.rec) {
        fill(state, current, true);
        state.rec = null;
        store(state);
        o.show(state, "", "");
      } else {
        state.rec.base = state.version;
        state.rec.prior = [];
        store(state);
        send(state);
      }
      track(state);
      render();
    }

    function render() {
      var count = 0, reasons = {};
      for (var id in states) {
        var state = states[id];
        if (!state.rec) continue;
        count++;
        if (state.problem) reasons[state.problem] = true;
      }
      var reason = loggedOut || reasons.login ? msg.msgLogin
        : (reasons.offline || navigator.onLine === false) ? msg.msgOffline
        : reasons.retry ? msg.msgRetry
        : (reasons.conflict || reasons.invalid) ? msg.msgCheck : "";
      bar.hidden = !(count && reason) && !loggedOut;
      bar.querySelector(".keep-text").textContent = count ? msg.msgCount.replace("{n}", count) + "（" + reason + "）"
        : reason;
      bar.classList.toggle("keep-problem", !!reason);
      bar.querySelector(".keep-login").hidden = !loggedOut;
      bar.title = loggedOut ? msg.msgLoginHelp : "";
    }

    function resume() {
      for (var id in states) {
        var state = states[id];
        if (state.rec && !state.busy && (!state.problem || state.problem === "retry" ||
                                         state.problem === "offline" || state.problem === "login")) {
          state.attempt = 0;
          state.problem = null;
          send(state);
        }
      }
      render();
    }

    // --- a session that ended: log in again in another window, then go on -----------------
    function logOut() {
      if (loggedOut) return;
      loggedOut = true;
      render();
      clearInterval(poll);
      poll = setInterval(checkSession, POLL);
      checkSession();                  // only the CSRF token was stale: sent again at once
    }

    function checkSession() {
      fetch(msg.sessionUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (response) { return response.json(); })
        .then(function (data) {
          if (!loggedOut || !data.authenticated) return;
          if (String(data.user) !== msg.user) {
            bar.title = msg.msgOtherUser;
            bar.querySelector(".keep-text").textContent = msg.msgOtherUser;
            return;
          }
          var tokens = document.querySelectorAll("input[name=csrfmiddlewaretoken]");
          for (var i = 0; i < tokens.length; i++) tokens[i].value = data.token;
          loggedOut = false;
          clearInterval(poll);
          if (loginWindow && !loginWindow.closed) loginWindow.close();
          loginWindow = null;
          resume();
          var run = waiters;
          waiters = [];
          run.forEach(function (then) { then(); });
        })
        .catch(function () { /* offline or still out: the next look */ });
    }

    bar.querySelector(".keep-login").addEventListener("click", function () {
      var url = msg.loginUrl + "?next=" + encodeURIComponent(msg.sessionUrl);
      loginWindow = window.open(url, "huayu-login", "popup,width=480,height=640");
      if (!loginWindow) window.open(url, "_blank");
    });
    window.addEventListener("focus", function () { if (loggedOut) checkSession(); });

    // --- as typed, kept; online again, sent -------------------------------------------------
    document.addEventListener("input", function (event) {
      var state = o.isField(event.target) ? o.stateOf(event.target) : null;
      if (state) capture(state);
    });
    window.addEventListener("online", resume);
    window.addEventListener("offline", render);

    // What an earlier visit kept and the server never confirmed: back into its fields, and sent.
    var kept = [];
    try {
      for (var i = 0; i < localStorage.length; i++) {
        var key = localStorage.key(i);
        if (key && key.indexOf(prefix) === 0) kept.push(key);
      }
    } catch (e) { kept = []; }
    kept.forEach(function (key) {
      var rec;
      try { rec = JSON.parse(localStorage.getItem(key)); } catch (e) { rec = null; }
      var state = o.stateOf(key.slice(prefix.length));
      if (!state || !rec || !rec.v) return;
      if (same(rec.v, values(state, true))) {  // the page already shows it saved
        localStorage.removeItem(key);
        return;
      }
      fill(state, rec.v, false);
      rec.sent = true;                 // it may have reached the server before the page closed
      state.rec = rec;
      track(state);
      o.show(state, msg.msgKept, "");
      send(state);
    });
    render();

    /* upload.js: a file refused for the lost session waits for the same login, then `then()`. */
    window.huayuRelogin = function (then) {
      waiters.push(then);
      if (loggedOut) checkSession();
      else logOut();
    };

    return {send: send, settle: settle, msg: msg};
  };

  /* A page that can no longer be changed (#keep-left, templates/assessment/_keep_left.html):
   * the edits this device still keeps for it are listed to copy or discard, never dropped unseen. */
  function keptOnReadOnlyPage() {
    var box = document.getElementById("keep-left");
    if (!box || !window.localStorage || !window.JSON) return;
    var d = box.dataset;
    var prefix = "huayu:" + d.user + ":" + d.kind + ":" + d.assessment + ":";
    var keys = [], lines = [];
    try {
      for (var i = 0; i < localStorage.length; i++) {
        var key = localStorage.key(i);
        if (key && key.indexOf(prefix) === 0) keys.push(key);
      }
    } catch (e) { return; }
    keys.forEach(function (key) {
      var rec;
      try { rec = JSON.parse(localStorage.getItem(key)); } catch (e) { rec = null; }
      if (!rec || !rec.v) return;
      var id = key.slice(prefix.length), row = document.getElementById("item-" + id);
      var number = row && row.querySelector(".sr-no");
      var content = row && row.querySelector(".sr-content");
      var head = number ? d.msgItem.replace("{n}", number.textContent.trim()) : id;
      if (content) head += " " + content.textContent.trim().slice(0, 30);
      var parts = [];
      for (var name in rec.v) {
        var label = box.getAttribute("data-msg-" + name) || name;
        parts.push(label + "：" + (rec.v[name] === "" && name === "score" ? d.msgUnscored : rec.v[name]));
      }
      lines.push(head + "\n  " + parts.join("\n  "));
    });
    if (!lines.length) return;
    var text = box.querySelector(".keep-left-text");
    text.value = lines.join("\n");
    box.hidden = false;
    box.querySelector(".keep-left-copy").addEventListener("click", function () {
      text.select();
      var done = function () { box.querySelector(".keep-left-state").textContent = d.msgCopied; };
      if (navigator.clipboard) navigator.clipboard.writeText(text.value).then(done, function () {
        if (document.execCommand("copy")) done();
      });
      else if (document.execCommand("copy")) done();
    });
    box.querySelector(".keep-left-discard").addEventListener("click", function () {
      keys.forEach(function (key) { try { localStorage.removeItem(key); } catch (e) { /* gone already */ } });
      box.hidden = true;
    });
  }
  keptOnReadOnlyPage();

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // Saves of several items go out together and their replies can come back in any order. Each
  // reply carries `changes`, the kept totals' count of committed changes at the moment its figures
  // were read (assessment.selectors.kept_progress): a figure from a reply is shown only if no
  // later read of it is shown already. huayuFigures() gives show(data, totals): it calls
  // totals() to write the page's own totals when they are the latest, and writes the saved item's
  // area (subtotal, progress) when that area's are; a reply without `changes` is always shown.
  window.huayuFigures = function () {
    var shown = {};
    function latest(key, changes) {
      if (typeof changes !== "number") return true;
      if (shown.hasOwnProperty(key) && changes < shown[key]) return false;
      shown[key] = changes;
      return true;
    }
    return function (data, totals) {
      if (latest("", data.changes)) totals();
      if (latest("area-" + data.area, data.changes)) {
        window.huayuSetText("[data-area-subtotal='" + data.area + "']", data.area_subtotal);
        window.huayuSetText("[data-area-progress='" + data.area + "']", data.area_progress);
      }
    };
  };

  /* A 409: the other person's values and mine side by side in the item's status, with two
   * choices (take theirs, or overwrite them with mine); huayuConflictChoices settles them. */
  window.huayuConflict = function (state, data, msg, texts, statusClass, errorClass) {
    var box = el("div", "or-conflict keep-conflict");
    box.appendChild(el("div", "fw-bold", data.error));
    var list = el("dl");
    list.appendChild(el("dt", "", msg.msgTheirs));
    list.appendChild(el("dd", "", texts.theirs));
    list.appendChild(el("dt", "", msg.msgMine));
    list.appendChild(el("dd", "", texts.mine));
    box.appendChild(list);
    [["take", "btn btn-outline-secondary", msg.msgTake], ["overwrite", "btn btn-warning", msg.msgOverwrite]]
      .forEach(function (choice) {
        var button = el("button", choice[1], choice[2]);
        button.type = "button";
        button.setAttribute("data-conflict", choice[0]);
        box.appendChild(button);
      });
    state.conflict = data.current;
    state.status.innerHTML = "";
    state.status.className = statusClass;
    state.status.setAttribute("role", "alert");
    state.status.appendChild(box);
    state.row.classList.add(errorClass);
  };

  window.huayuConflictChoices = function (stateOf, keep) {
    document.addEventListener("click", function (event) {
      var choice = event.target.closest && event.target.closest("[data-conflict]");
      var state = choice && stateOf(choice);
      if (!state || !state.conflict) return;
      var current = state.conflict;
      state.conflict = null;
      keep.settle(state, current, choice.getAttribute("data-conflict"));
    });
  };
})();
