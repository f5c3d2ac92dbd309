/* 佐证材料 and 加分项: upload as soon as files are chosen, remove, claim — without reloading.
 *
 * Without this script every form is an ordinary post that comes back to the checklist.
 * With it, a form marked data-evidence-form is sent with fetch (header X-Requested-With: fetch);
 * the server answers {ok, error, message, html} and the html replaces the closest
 * [data-evidence-block] (the item's evidence, a bonus claim's files, or the bonus section).
 * A file input marked data-evidence-auto sends its form as soon as files are chosen.
 * An item's upload form hands its files to upload.js when that is loaded.
 */
(function () {
  "use strict";
  if (!window.fetch || !window.FormData || !Element.prototype.closest) return;
  document.documentElement.classList.add("evidence-js");

  var TEXT = {
    uploading: "正在上传 {n} 个文件，请稍候…",
    sending: "正在处理…",
    done: "已完成。",
    tooBig: "“{name}”超过 {max} MB，无法上传。",
    network: "网络异常，操作没有完成，请检查网络后重试。",
    login: "登录已失效或没有权限，请刷新页面重新登录后再试。",
    server: "服务器出错，操作没有完成，请稍后重试。"
  };

  function format(text, values) {
    return text.replace(/\{(\w+)\}/g, function (_, key) { return values[key]; });
  }

  function statusOf(block) {
    // The block's own status line (a bonus section holds the status lines of its claims' files too).
    var nodes = block.querySelectorAll("[data-evidence-status]");
    for (var i = 0; i < nodes.length; i++) {
      if (nodes[i].closest("[data-evidence-block]") === block) return nodes[i];
    }
    return null;
  }

  function show(block, text, kind, busy) {
    var status = statusOf(block);
    if (!status) return;
    status.className = "evidence-status" + (kind ? " text-" + kind : "");
    status.textContent = text || "";
    if (busy) {
      var bar = document.createElement("div");
      bar.className = "progress evidence-progress";
      bar.innerHTML = '<div class="progress-bar progress-bar-striped progress-bar-animated" style="width:100%"></div>';
      status.appendChild(bar);
    }
  }

  function setBusy(block, busy) {
    block.classList.toggle("evidence-busy", busy);
    block.setAttribute("aria-busy", busy ? "true" : "false");
    var controls = block.querySelectorAll("button, input[type=file]");
    for (var i = 0; i < controls.length; i++) controls[i].disabled = busy;
  }

  function replace(block, html) {
    var holder = document.createElement("template");
    holder.innerHTML = html.trim();
    var fresh = holder.content.firstElementChild;
    if (!fresh) return block;
    block.replaceWith(fresh);
    return fresh;
  }

  function tooBig(form) {
    var max = parseInt(form.getAttribute("data-max-bytes") || "0", 10);
    var input = form.querySelector("input[type=file]");
    if (!max || !input) return null;
    for (var i = 0; i < input.files.length; i++) {
      if (input.files[i].size > max) {
        return format(TEXT.tooBig, {name: input.files[i].name, max: Math.round(max / 1048576)});
      }
    }
    return null;
  }

  function send(form) {
    var block = form.closest("[data-evidence-block]");
    if (!block || block.classList.contains("evidence-busy")) return;
    var input = form.querySelector("input[type=file]");
    // An item's files go through upload.js (shrunk, with progress, sent again after a drop).
    if (input && input.files.length && window.huayuUpload && form.classList.contains("evidence-upload")) {
      var files = Array.prototype.slice.call(input.files);
      if (window.huayuUpload.enqueue(form, files)) {
        input.value = "";
        return;
      }
    }
    var count = input ? input.files.length : 0;
    var problem = tooBig(form);
    if (problem) { show(block, problem, "danger"); return; }
    var body = new FormData(form);  // before disabling: disabled fields are not sent
    var token = form.querySelector("input[name=csrfmiddlewaretoken]");
    setBusy(block, true);
    show(block, count ? format(TEXT.uploading, {n: count}) : TEXT.sending, "muted", true);
    fetch(form.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: {"X-Requested-With": "fetch", "Accept": "application/json", "X-CSRFToken": token ? token.value : ""}
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1) {
        throw {text: response.redirected || response.status === 403 ? TEXT.login : TEXT.server};
      }
      return response.json();
    }).then(function (data) {
      var target = data.html ? replace(block, data.html) : block;
      setBusy(target, false);
      if (data.ok) show(target, data.message || TEXT.done, "success");
      else show(target, data.error, "danger");
      if (target === block && input) input.value = "";
    }).catch(function (problem) {
      setBusy(block, false);
      if (input) input.value = "";
      show(block, (problem && problem.text) || TEXT.network, "danger");
    });
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[type=file][data-evidence-auto]")) return;
    if (!input.files || !input.files.length || !input.form) return;
    send(input.form);
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-evidence-form]")) return;
    event.preventDefault();
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) return;
    send(form);
  });
})();
