/* 支部对照自评: save each item on its own as the secretary goes.
 *
 * Without this script the page is one ordinary form with a "保存" button.
 * With it, a change (debounced) or leaving a field posts that one item to
 * /assessments/<pk>/self/items/<item_id>/ with the row's version and shows "已保存 HH:MM:SS",
 * the error, or — on 409 — the other person's values with two choices. keep.js keeps each edit
 * on the device until the server has it, retries and sends after a new login.
 */
(function () {
  "use strict";
  var form = document.getElementById("selfeval-form");
  if (!form || !window.fetch || !window.FormData) return;

  var DELAY = 800;       // ms of quiet typing before a save
  var msg = form.dataset;
  var baseUrl = form.dataset.itemUrl;  // ends in /items/0/
  var rows = {};         // item id -> state

  function urlFor(id) { return baseUrl.replace(/\/0\/$/, "/" + id + "/"); }

  var setText = window.huayuSetText;

  function stateOf(el) {
    var row = typeof el === "string" ? document.getElementById("item-" + el) : el.closest(".sr");
    if (!row || !row.querySelector("input[name^='score-']") || row.querySelector("input[name^='score-']").disabled) {
      return null;
    }
    var id = row.getAttribute("data-item");
    if (!rows[id]) {
      rows[id] = {
        id: id, row: row, timer: null, busy: false, dirty: false, version: row.getAttribute("data-version"),
        score: row.querySelector("input[name^='score-']"),
        note: row.querySelector("textarea[name^='note-']"),
        status: row.querySelector(".sr-status")
      };
    }
    return rows[id];
  }

  function show(state, text, kind) {
    var isError = kind === "error";
    state.status.setAttribute("role", isError ? "alert" : "status");
    state.status.textContent = text;
    state.status.classList.toggle("sr-error", !!isError);
    state.status.classList.toggle("text-success", kind === "ok");
    state.row.classList.toggle("sr-has-error", !!isError);
    state.score.classList.toggle("is-invalid", !!isError);
    state.score.setAttribute("aria-invalid", isError ? "true" : "false");
    state.status.setAttribute("aria-busy", kind === "" ? "true" : "false");  // 保存中… not read; 已保存 read once
  }

  var figures = window.huayuFigures();

  function saved(state, data) {
    figures(data, function () {
      setText("#self-total", data.total);
      setText("#self-progress", data.progress);
      if (data.status) setText("#self-status", data.status);
    });
    setText("#self-last-saved", msg.msgLast + " " + data.saved_at);
  }

  function scoreText(value) {
    var kept = keep.msg;
    return value === "" || value === null || value === undefined ? kept.msgUnscored : value + " " + kept.msgPoints;
  }

  function conflict(state, data, mine) {
    window.huayuConflict(state, data, keep.msg, {
      theirs: scoreText(data.current.score) + (data.current.note ? " · " + data.current.note : ""),
      mine: scoreText(mine.score) + (mine.note ? " · " + mine.note : "")
    }, "sr-status", "sr-has-error");
  }

  function isField(el) {
    return el && el.form === form && (el.name || "").match(/^(score|note)-\d+$/) && !el.disabled;
  }

  // Each edit kept on this device until the server has it, and sent in order (keep.js).
  var keep = window.huayuKeep({
    form: form, isField: isField, stateOf: stateOf, url: urlFor, show: show, saved: saved, conflict: conflict,
    fields: function (state) { return {score: state.score, note: state.note}; },
    msgSaving: msg.msgSaving, msgSaved: msg.msgSaved, msgNetwork: msg.msgNetwork
  });
  if (!keep) return;
  window.huayuAutosave({rows: rows, isField: isField, stateOf: stateOf, save: keep.send,
                       delay: DELAY, unsaved: msg.msgUnsaved});
  window.huayuConflictChoices(stateOf, keep);

  // The whole-form "保存" button still works (it posts every item): the pending saves go with it.
  // Empty the same object the leave-page check reads (reassigning `rows` left it the old one,
  // so the browser asked whether to leave the page the button itself was submitting).
  form.addEventListener("submit", function () {
    for (var id in rows) { clearTimeout(rows[id].timer); delete rows[id]; }
  });
})();
