/* The sticky bar of the checklist and the on-site page: once the page is scrolled past its place,
 * it is marked .is-stuck and site.css keeps it to one line (progress and 保存), so that at a large
 * text size it does not cover a third of a phone's screen. */
(function () {
  "use strict";
  var bar = document.querySelector(".self-bar, .onsite-bar");
  if (!bar) return;
  var mark = document.createElement("div");  // where the bar stands before it sticks
  bar.parentNode.insertBefore(mark, bar);
  function update() { bar.classList.toggle("is-stuck", mark.getBoundingClientRect().top < -4); }
  window.addEventListener("scroll", update, {passive: true});
  window.addEventListener("resize", update);
  update();
})();
