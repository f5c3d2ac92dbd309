/* huayu: the file pickers (.file-pick) say in Chinese what was chosen, whatever the browser's
 * language: the native input is hidden behind a label "选择文件" and this names the files. */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches(".file-pick-input")) return;
    var name = input.parentNode.querySelector("[data-file-name]");
    if (!name) return;
    var files = input.files || [];
    if (files.length === 0) name.textContent = "未选择文件";
    else if (files.length === 1) name.textContent = files[0].name;
    else name.textContent = "已选择 " + files.length + " 个文件";
  });
})();
