/* 党委一线考评: save each item on its own as the assessor goes; settle conflicts with
 * another assessor; open evidence photos large.
 *
 * Without this script the page is one ordinary form with a "保存" button (every row posts
 * its version; a row someone else changed meanwhile comes back with their values).
 * With it, a change (debounced) or leaving a field posts that one item to
 * /assessments/<pk>/onsite/items/<item_id>/ with the row's version and shows
 * "已保存 HH:MM:SS", the error, or — on 409 — the other person's values with two choices:
 * take theirs, or overwrite with mine (sent again with their version).
 */
(function () {
  "use strict";
  var form = document.getElementById("onsite-form");
  if (!form || !window.fetch || !window.FormData || !Element.prototype.closest) return;

  var DELAY = 900;       // ms of quiet typing before a save
  var RETRY = 5000;      // ms before a save that failed on the network is sent again
  var msg = form.dataset;
  var baseUrl = msg.itemUrl;  // ends in /items/0/
  var token = form.querySelector("input[name=csrfmiddlewaretoken]");
  var rows = {};         // item id -> state

  function urlFor(id) { return baseUrl.replace(/\/0\/$/, "/" + id + "/"); }

  var setText = window.huayuSetText;

  function field(row, prefix, id) { return row.querySelector("[name='" + prefix + "-" + id + "']"); }

  function stateOf(el) {
    var row = el.closest(".or");
    if (!row) return null;
    var id = row.getAttribute("data-item");
    if (!rows[id]) {
      rows[id] = {
        id: id, row: row, timer: null, busy: false, dirty: false,
        score: field(row, "score", id), reason: field(row, "reason", id),
        rect: field(row, "rect", id), requirement: field(row, "requirement", id),
        version: field(row, "version", id), status: row.querySelector(".or-status")
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
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function scoreText(value) {
    return value === "" || value === null || value === undefined ? msg.msgUnscored : value + " " + msg.msgPoints;
  }

  function showConflict(state, data) {
    var current = data.current;
    var mine = {score: state.score.value.trim(), reason: state.reason.value.trim()};
    var box = el("div", "or-conflict");
    box.appendChild(el("div", "fw-bold", data.error));
    var list = el("dl");
    list.appendChild(el("dt", "", msg.msgTheirs));
    list.appendChild(el("dd", "", scoreText(current.score) + (current.reason ? " · " + current.reason : "")));
    list.appendChild(el("dt", "", msg.msgMine));
    list.appendChild(el("dd", "", scoreText(mine.score) + (mine.reason ? " · " + mine.reason : "")));
    box.appendChild(list);
    var take = el("button", "btn btn-outline-secondary", msg.msgTake);
    take.type = "button";
    take.setAttribute("data-conflict", "take");
    var overwrite = el("button", "btn btn-warning", msg.msgOverwrite);
    overwrite.type = "button";
    overwrite.setAttribute("data-conflict", "overwrite");
    box.appendChild(take);
    box.appendChild(overwrite);
    state.conflict = current;
    state.status.innerHTML = "";
    state.status.className = "or-status";
    state.status.setAttribute("role", "alert");
    state.status.appendChild(box);
    state.row.classList.add("or-has-error");
  }

  function resolve(state, choice) {
    var current = state.conflict;
    if (!current) return;
    state.conflict = null;
    state.version.value = current.version;
    if (choice === "take") {
      state.score.value = current.score;
      state.reason.value = current.reason;
      state.rect.checked = !!current.needs_rectification;
      state.requirement.value = current.requirement;
      state.dirty = false;
      show(state, "", "");
      return;
    }
    state.dirty = true;
    save(state);  // mine, consciously, on top of their version
  }

  function save(state) {
    clearTimeout(state.timer);
    if (state.busy || !state.dirty || state.conflict) return;
    state.dirty = false;
    state.busy = true;
    show(state, msg.msgSaving, "");
    var body = new FormData();
    body.append("score", state.score.value);
    body.append("reason", state.reason.value);
    body.append("needs_rectification", state.rect.checked ? "1" : "");
    body.append("requirement", state.requirement.value);
    body.append("version", state.version.value);
    window.huayuPost(urlFor(state.id), body, token).then(function (data) {
      state.busy = false;
      if (data.conflict) {
        showConflict(state, data);
        return;
      }
      if (!data.ok) {
        show(state, data.error, "error");
        return;
      }
      state.version.value = data.version;
      show(state, msg.msgSaved + " " + data.saved_at, "ok");
      setText("#onsite-total", data.total);
      setText("#onsite-result-score", data.total);
      setText("#onsite-grand-total", data.grand_total);
      setText("#onsite-grade", data.grade);
      setText("#onsite-progress", data.progress);
      setText("[data-area-subtotal='" + data.area + "']", data.area_subtotal);
      setText("[data-area-progress='" + data.area + "']", data.area_progress);
      if (data.status) setText("#onsite-status", data.status);
      if (state.dirty) save(state);
    }).catch(function (problem) {
      state.busy = false;
      state.dirty = true;
      if (problem && problem.login) {
        show(state, msg.msgLogin, "error");
        return;
      }
      show(state, msg.msgNetwork, "error");
      schedule(state, RETRY);
    });
  }

  function isField(target) {
    return target && target.form === form && !target.disabled &&
      /^(score|reason|rect|requirement)-\d+$/.test(target.name || "");
  }

  var schedule = window.huayuAutosave({rows: rows, isField: isField, stateOf: stateOf, save: save,
                                       delay: DELAY, unsaved: msg.msgUnsaved});

  document.addEventListener("click", function (event) {
    var target = event.target;
    var full = target.closest && target.closest(".or-full");
    if (full) {
      var state = stateOf(full);
      if (state && !state.score.disabled) {
        state.score.value = full.getAttribute("data-full");
        state.dirty = true;
        save(state);
      }
      return;
    }
    var choice = target.closest && target.closest("[data-conflict]");
    if (choice) {
      resolve(stateOf(choice), choice.getAttribute("data-conflict"));
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
