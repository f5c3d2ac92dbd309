/* What the checklist and the on-site page share: one item's save (huayuPost: POST the form data
 * with the CSRF token and answer the JSON; a redirect to the login page or a page that is not
 * JSON rejects with {login: true} when the session is gone or the request was refused), the
 * autosave of their items (huayuAutosave) and huayuSetText. */
(function () {
  "use strict";
  window.huayuPost = function (url, body, token) {
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: {"X-CSRFToken": token ? token.value : "", "X-Requested-With": "XMLHttpRequest"}
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (response.redirected || type.indexOf("application/json") === -1) {
        throw {login: response.redirected || response.status === 403};
      }
      return response.json();
    });
  };

  window.huayuSetText = function (selector, text) {
    var nodes = document.querySelectorAll(selector);
    for (var i = 0; i < nodes.length; i++) nodes[i].textContent = text;
  };

  /* Typing in an item's field saves it after `delay` ms of quiet, a change (or a checkbox) and
   * leaving the field save at once, and leaving the page while an item of `rows` (id -> state)
   * is unsaved asks first (`unsaved`). `stateOf(field)` finds a field's item, `save(state)` sends
   * it. Returns schedule(state, delay), which also sends an item again after a failure. */
  window.huayuAutosave = function (options) {
    function schedule(state, delay) {
      state.dirty = true;
      clearTimeout(state.timer);
      state.timer = setTimeout(function () { options.save(state); }, delay);
    }
    function stateOfField(target) {
      return options.isField(target) ? options.stateOf(target) : null;
    }
    document.addEventListener("input", function (event) {
      var state = event.target.type === "checkbox" ? null : stateOfField(event.target);
      if (state) schedule(state, options.delay);
    });
    document.addEventListener("change", function (event) {
      var state = stateOfField(event.target);
      if (state) { state.dirty = true; options.save(state); }
    });
    document.addEventListener("focusout", function (event) {
      var state = stateOfField(event.target);
      if (state && state.dirty) options.save(state);
    });
    window.addEventListener("beforeunload", function (event) {
      for (var id in options.rows) {
        if (options.rows[id].dirty || options.rows[id].busy) {
          event.preventDefault();
          event.returnValue = options.unsaved;
          return options.unsaved;
        }
      }
    });
    return schedule;
  };
})();
