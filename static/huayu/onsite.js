/* 党委一线考评: save each item on its own as the assessor goes; settle conflicts with
 * another assessor; open evidence photos large.
 *
 * Without this script the page is one ordinary form with a "保存" button (every row posts
 * its version; a row someone else changed meanwhile comes back with their values).
 * With it, a change (debounced) or leaving a field posts that one item to
 * /assessments/<pk>/onsite/items/<item_id>/ with the row's version and shows
 * "已保存 HH:MM:SS", the error, or — on 409 — the other person's values with two choices:
 * take theirs, or overwrite with mine (sent again with their version). keep.js keeps each
 * edit on the device until the server has it, retries and sends after a new login.
 */
(function () {
  "use strict";
  var form = document.getElementById("onsite-form");
  if (!form || !window.fetch || !window.FormData || !Element.prototype.closest) return;

  var DELAY = 900;       // ms of quiet typing before a save
  var msg = form.dataset;
  var baseUrl = msg.itemUrl;  // ends in /items/0/
  var rows = {};         // item id -> state

  function urlFor(id) { return baseUrl.replace(/\/0\/$/, "/" + id + "/"); }

  var setText = window.huayuSetText;

  function field(row, prefix, id) { return row.querySelector("[name='" + prefix + "-" + id + "']"); }

  function stateOf(el) {
    var row = typeof el === "string" ? document.getElementById("item-" + el) : el.closest(".or");
    if (!row) return null;
    var id = row.getAttribute("data-item");
    var score = field(row, "score", id);
    if (!score || score.disabled) return null;
    if (!rows[id]) {
      var version = field(row, "version", id);
      rows[id] = {
        id: id, row: row, timer: null, busy: false, dirty: false,
        score: score, reason: field(row, "reason", id),
        rect: field(row, "rect", id), requirement: field(row, "requirement", id),
        versionInput: version, version: version.value, status: row.querySelector(".or-status")
      };
    }
    return rows[id];
  }

  function show(state, text, kind) {
    var status = state.status;
    status.innerHTML = "";
    status.textContent = text;
    status.className = "or-status" + (kind === "error" ? " or-error" : kind === "ok" ? " text-success" : "");
    status.setAttribute("role", kind === "error" ? "alert" : "status");
    state.row.classList.toggle("or-has-error", kind === "error");
    state.score.classList.toggle("is-invalid", kind === "error");
    state.score.setAttribute("aria-invalid", kind === "error" ? "true" : "false");
    status.setAttribute("aria-busy", kind === "" ? "true" : "false");  // 保存中… not read; 已保存 read once
  }

  function scoreText(value) {
    return value === "" || value === null || value === undefined ? msg.msgUnscored : value + " " + msg.msgPoints;
  }

  function conflict(state, data, mine) {
    var current = data.current;
    window.huayuConflict(state, data, msg, {
      theirs: scoreText(current.score) + (current.reason ? " · " + current.reason : ""),
      mine: scoreText(mine.score.trim()) + (mine.reason.trim() ? " · " + mine.reason.trim() : "")
    }, "or-status", "or-has-error");
  }

  var figures = window.huayuFigures();

  function saved(state, data) {
    figures(data, function () {
      setText("#onsite-total", data.total);
      setText("#onsite-result-score", data.total);
      setText("#onsite-grand-total", data.grand_total);
      setText("#onsite-grade", data.grade);
      setText("#onsite-progress", data.progress);
      if (data.status) setText("#onsite-status", data.status);
    });
    // A page's own figures (the spot check's 差值, views/spotcheck.py): {selector: text}.
    var texts = data.texts || {};
    for (var selector in texts) setText(selector, texts[selector]);
  }

  function isField(target) {
    return target && target.form === form && !target.disabled &&
      /^(score|reason|rect|requirement)-\d+$/.test(target.name || "");
  }

  // Each edit kept on this device until the server has it, and sent in order (keep.js).
  var keep = window.huayuKeep({
    form: form, isField: isField, stateOf: stateOf, url: urlFor, show: show, saved: saved, conflict: conflict,
    fields: function (state) {
      return {score: state.score, reason: state.reason, needs_rectification: state.rect, requirement: state.requirement};
    },
    versioned: function (state) { state.versionInput.value = state.version; },
    msgSaving: msg.msgSaving, msgSaved: msg.msgSaved, msgNetwork: msg.msgNetwork
  });
  if (!keep) return;
  var save = keep.send;
  window.huayuAutosave({rows: rows, isField: isField, stateOf: stateOf, save: save,
                       delay: DELAY, unsaved: msg.msgUnsaved});
  window.huayuConflictChoices(stateOf, keep);

  document.addEventListener("click", function (event) {
    var target = event.target;
    var full = target.closest && target.closest(".or-full");
    if (full) {
      var state = stateOf(full);
      if (state && !state.score.disabled) {
        state.score.value = full.getAttribute("data-full");
        save(state);
      }
      return;
    }
    var thumb = target.closest && target.closest("a.of-thumb");
    if (thumb && !event.ctrlKey && !event.metaKey && !event.shiftKey) {
      event.preventDefault();
      openViewer(thumb.href, thumb.title);
      return;
    }
    var viewer = document.getElementById("onsite-viewer");
    if (viewer && !viewer.hidden && (target === viewer || target.hasAttribute("data-close") || target.tagName === "IMG")) {
      closeViewer();
    }
  });

  // Evidence photos open large over the page; tap (or Esc) closes them.
  function openViewer(url, title) {
    var viewer = document.getElementById("onsite-viewer");
    if (!viewer) { window.open(url, "_blank"); return; }
    var img = viewer.querySelector("img");
    img.src = url;
    img.alt = title || "";
    viewer.hidden = false;
    var close = viewer.querySelector("[data-close]");
    if (close) close.focus();
  }
  function closeViewer() {
    var viewer = document.getElementById("onsite-viewer");
    if (!viewer) return;
    viewer.hidden = true;
    viewer.querySelector("img").removeAttribute("src");
  }
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") closeViewer();
  });

  // The whole-form "保存" button still works (it posts every item with its version).
  form.addEventListener("submit", function () {
    for (var id in rows) clearTimeout(rows[id].timer);
    rows = {};
  });
})();

/* On a phone on site: "下一未评项" in the sticky bar goes to the next item without a score
 * (after the one in view, then from the top); "本方面全部满分" gives every unscored item of an
 * area its full points after a confirmation naming the count, each through the same save
 * path as one item (keep.js queues them, offline-safe). */
(function () {
  "use strict";
  var form = document.getElementById("onsite-form");
  if (!form || !Element.prototype.closest) return;
  var msg = form.dataset;

  function unscored(scope) {
    return Array.prototype.filter.call(scope.querySelectorAll("article.or"), function (row) {
      var score = row.querySelector("input[name^='score-']");
      return score && !score.disabled && score.value.trim() === "";
    });
  }

  function barHeight() {
    var bar = document.getElementById("onsite-bar");
    return bar ? bar.getBoundingClientRect().height : 0;
  }

  function next() {
    var rows = unscored(document);
    if (!rows.length) { window.alert(msg.msgAllScored); return; }
    var below = barHeight() + 8;
    var target = rows.find(function (row) { return row.getBoundingClientRect().top > below + 4; }) || rows[0];
    target.scrollIntoView({block: "start"});
    var score = target.querySelector("input[name^='score-']");
    score.focus({preventScroll: true});
  }

  function areaFull(button) {
    var section = document.getElementById("area-" + button.getAttribute("data-area"));
    if (!section) return;
    var name = button.getAttribute("data-area-name");
    var rows = unscored(section);
    if (!rows.length) { window.alert(msg.msgAreaDone.replace("{area}", name)); return; }
    if (!window.confirm(msg.msgAreaFull.replace("{area}", name).replace("{n}", rows.length))) return;
    // One after another, each through the single item's path (sets the points, hands the row to
    // keep.js): the totals in the bar come back in order. Offline, keep.js holds each and the next
    // one is handed over as soon as the previous one has left the 保存中 state.
    var waited = 0;
    function one(i) {
      if (i >= rows.length) return;
      var full = rows[i].querySelector(".or-full");
      var status = rows[i].querySelector(".or-status");
      if (full) full.click();
      waited = 0;
      (function wait() {
        if (status && status.textContent.indexOf(msg.msgSaving) === 0 && waited < 15000) {
          waited += 100;
          setTimeout(wait, 100);
        } else {
          one(i + 1);
        }
      })();
    }
    one(0);
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!target.closest) return;
    if (target.closest("#onsite-next")) { next(); return; }
    var button = target.closest(".onsite-area-full");
    if (button) areaFull(button);
  });
})();
