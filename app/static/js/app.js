// Small progressive enhancements. The portal works without this file.
(function () {
  "use strict";
  // Lets CSS hide controls only a browser without JavaScript needs (".nojs-only").
  document.documentElement.classList.add("js");

  // Copy-to-clipboard buttons: <button data-copy-target="#id">.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (!button) return;
    var source = document.querySelector(button.getAttribute("data-copy-target"));
    if (!source || !navigator.clipboard) return;
    navigator.clipboard.writeText(source.textContent.trim()).then(function () {
      var original = button.innerHTML;
      button.textContent = button.getAttribute("data-copied-label") || "Copied";
      setTimeout(function () { button.innerHTML = original; }, 2000);
    });
  });

  // Forms that must be confirmed by typing a word (danger zone): enable submit only on a match.
  function syncConfirmWord(input) {
    var submit = input.form && input.form.querySelector("[type=submit]");
    if (submit) submit.disabled = input.value.trim() !== input.getAttribute("data-confirm-word");
  }
  document.querySelectorAll("[data-confirm-word]").forEach(syncConfirmWord);
  document.addEventListener("input", function (event) {
    var input = event.target.closest("[data-confirm-word]");
    if (input) syncConfirmWord(input);
  });

  // Plain (non-htmx) forms with data-confirm ask before submitting.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute("data-confirm") && !form.hasAttribute("hx-post")) {
      if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
    }
  });

  // Brand colour: the colour picker and the hex field stay in step.
  document.addEventListener("input", function (event) {
    var picker = event.target.closest("[data-sync-target]");
    if (picker) {
      var field = document.querySelector(picker.getAttribute("data-sync-target"));
      if (field) field.value = picker.value;
      return;
    }
    if (event.target.id === "brand_color" && /^#[0-9a-fA-F]{6}$/.test(event.target.value)) {
      var p = document.getElementById("brand_color_picker");
      if (p) p.value = event.target.value;
    }
  });

  // Sign-up: suggest the slug from the organisation name until the user types their own.
  var slug = document.querySelector("[data-slug-source]");
  if (slug) {
    var source = document.querySelector(slug.getAttribute("data-slug-source"));
    var touched = slug.value !== "";
    slug.addEventListener("input", function () { touched = slug.value !== ""; });
    if (source) source.addEventListener("input", function () {
      if (touched) return;
      slug.value = source.value.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 63);
    });
  }
})();
