/* On every page: the app's own words where the browser would use its own (which follow the
 * browser's language, not the app's).
 * - A file input gets a button 拍照 / 选择文件 (a phone offers the camera or its files) and a line
 *   saying what was chosen, instead of "Choose Files / No file chosen"; the input stays in the
 *   form, focusable, only out of sight.
 * - A required, too small or too large value is refused with a Chinese message
 *   (setCustomValidity), cleared as soon as the field is changed.
 * Its words come from its own <script> tag's data-… attributes (templates/base.html). */
(function () {
  "use strict";
  var t = document.currentScript && document.currentScript.dataset;
  if (!t) return;

  function chosen(input, note) {
    var files = input.files || [];
    var names = Array.prototype.map.call(files, function (f) { return f.name; }).join("、");
    note.textContent = files.length ? t.chosen.replace("{n}", files.length) + names : t.none;
  }

  function enhance(input) {
    // Skipped: one already in a picker of its own (.file-pick in the template, files.js).
    if (input.dataset.filePick || !input.id || input.classList.contains("file-pick-input")) return;
    input.dataset.filePick = "1";
    input.classList.add("file-chooser-input");
    var button = document.createElement("label");
    button.className = "btn btn-outline-primary file-chooser-button";
    button.htmlFor = input.id;
    button.textContent = t.pick;
    var note = document.createElement("span");
    note.className = "file-chooser-note";
    note.setAttribute("aria-live", "polite");
    input.insertAdjacentElement("afterend", button);
    button.insertAdjacentElement("afterend", note);
    input.addEventListener("change", function () { chosen(input, note); });
    chosen(input, note);
  }

  function bound(el, value) {  // a date as an office writes it: 2027年1月1日
    var d = el.type === "date" && /^(\d{4})-(\d\d)-(\d\d)$/.exec(value);
    return d ? +d[1] + "年" + +d[2] + "月" + +d[3] + "日" : value;
  }

  function message(el) {
    var v = el.validity;
    if (v.valueMissing) {
      return el.type === "checkbox" ? t.check : el.type === "file" ? t.file
        : el.tagName === "SELECT" ? t.select : t.required;
    }
    if (v.rangeUnderflow) return t.min.replace("{min}", bound(el, el.min));
    if (v.rangeOverflow) return t.max.replace("{max}", bound(el, el.max));
    if (v.stepMismatch) return t.step.replace("{step}", el.step);
    if (v.tooLong) return t.long.replace("{n}", el.maxLength);
    return t.bad;
  }

  document.addEventListener("invalid", function (event) {
    var el = event.target;
    if (el.setCustomValidity && !el.validity.customError) el.setCustomValidity(message(el));
  }, true);
  function clear(event) {
    var el = event.target;
    if (el.setCustomValidity && el.validity && el.validity.customError) el.setCustomValidity("");
  }
  document.addEventListener("input", clear, true);
  document.addEventListener("change", clear, true);

  function all() {
    Array.prototype.forEach.call(document.querySelectorAll("input[type=file]"), enhance);
    // A table that scrolls sideways can be scrolled from the keyboard too.
    Array.prototype.forEach.call(document.querySelectorAll(".table-responsive:not([tabindex]), .chart:not([tabindex])"), function (box) {
      box.tabIndex = 0;
    });
  }
  all();
  // Forms added later (evidence blocks replaced after an upload) get the button too.
  if (window.MutationObserver) new MutationObserver(all).observe(document.body, {childList: true, subtree: true});
})();
