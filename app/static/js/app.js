// Small progressive enhancements. The portal works without this file.
(function () {
  "use strict";
  // Copy-to-clipboard buttons: <button data-copy-target="#id">.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (!button) return;
    var source = document.querySelector(button.getAttribute("data-copy-target"));
    if (!source || !navigator.clipboard) return;
    navigator.clipboard.writeText(source.textContent.trim()).then(function () {
      var original = button.textContent;
      button.textContent = button.getAttribute("data-copied-label") || "Copied";
      setTimeout(function () { button.textContent = original; }, 2000);
    });
  });
  // Forms that must be confirmed by typing a word (danger zone): enable submit only on a match.
  document.addEventListener("input", function (event) {
    var input = event.target.closest("[data-confirm-word]");
    if (!input) return;
    var form = input.form;
    var submit = form && form.querySelector("[type=submit]");
    if (submit) submit.disabled = input.value.trim() !== input.getAttribute("data-confirm-word");
  });
})();
