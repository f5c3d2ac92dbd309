/* 支部对照自评: save each item on its own as the secretary goes.
 *
 * Without this script the page is one ordinary form with a "保存" button.
 * With it, a change (debounced) or leaving a field posts that one item to
 * /assessments/<pk>/self/items/<item_id>/ and shows "已保存 HH:MM:SS" or the error.
 * Saves of one item are sent one after another; a failed network save is retried.
 */
(function () {
  "use strict";
  var form = document.getElementById("selfeval-form");
  if (!form || !window.fetch || !window.FormData) return;

  var DELAY = 800;       // ms of quiet typing before a save
  var RETRY = 5000;      // ms before a save that failed on the network is sent again
  var msg = form.dataset;
  var baseUrl = form.dataset.itemUrl;  // ends in /items/0/
  var token = form.querySelector("input[name=csrfmiddlewaretoken]");
  var rows = {};         // item id -> state

  function urlFor(id) { return baseUrl.replace(/\/0\/$/, "/" + id + "/"); }

  var setText = window.huayuSetText;

  function stateOf(el) {
    var row = el.closest(".sr");
    if (!row) return null;
    var id = el.name.split("-")[1];
    if (!rows[id]) {
      rows[id] = {
        id: id, row: row, timer: null, busy: false, dirty: false,
        score: row.querySelector("input[name^='score-']"),
        note: row.querySelector("textarea[name^='note-']"),
        status: row.querySelector(".sr-status")
      };
    }
    return rows[id];
  }

  function show(state, text, isError) {
    state.status.textContent = text;
    state.status.classList.toggle("sr-error", !!isError);
    state.status.classList.toggle("text-success", !isError && text !== msg.msgSaving);
    state.row.classList.toggle("sr-has-error", !!isError);
    state.score.classList.toggle("is-invalid", !!isError);
  }

  function save(state) {
    clearTimeout(state.timer);
    if (state.busy) return;          // sent again when the current save answers
    if (!state.dirty) return;
    state.dirty = false;
    state.busy = true;
    show(state, msg.msgSaving, false);
    var body = new FormData();
    body.append("score", state.score.value);
    body.append("note", state.note.value);
    window.huayuPost(urlFor(state.id), body, token).then(function (data) {
      state.busy = false;
      if (!data.ok) {
        show(state, data.error, true);
        return;
      }
      show(state, msg.msgSaved + " " + data.saved_at, false);
      setText("#self-total", data.total);
      setText("#self-progress", data.progress);
      setText("[data-area-subtotal='" + data.area + "']", data.area_subtotal);
      setText("[data-area-progress='" + data.area + "']", data.area_progress);
      if (data.status) setText("#self-status", data.status);
      setText("#self-last-saved", msg.msgLast + " " + data.saved_at);
      if (state.dirty) save(state);
    }).catch(function (problem) {
      state.busy = false;
      state.dirty = true;
      if (problem && problem.login) {
        show(state, msg.msgLogin, true);
        return;
      }
      show(state, msg.msgNetwork, true);
      schedule(state, RETRY);
    });
  }

  function isField(el) {
    return el && el.form === form && (el.name || "").match(/^(score|note)-\d+$/) && !el.disabled;
  }

  var schedule = window.huayuAutosave({rows: rows, isField: isField, stateOf: stateOf, save: save,
                                       delay: DELAY, unsaved: msg.msgUnsaved});

  // The whole-form "保存" button still works (it posts every item): the pending saves go with it.
  // Empty the same object the leave-page check reads (reassigning `rows` left it the old one,
  // so the browser asked whether to leave the page the button itself was submitting).
  form.addEventListener("submit", function () {
    for (var id in rows) { clearTimeout(rows[id].timer); delete rows[id]; }
  });
})();
