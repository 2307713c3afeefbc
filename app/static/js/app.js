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

  // Confirmations in a Bootstrap dialog instead of the browser's bare confirm() box.
  // Labels come from <body data-confirm-ok / data-confirm-cancel / data-confirm-title> (translated).
  function askToConfirm(question, onYes) {
    if (!window.bootstrap || !window.bootstrap.Modal) {
      if (window.confirm(question)) onYes();
      return;
    }
    var labels = document.body.dataset;
    var modal = document.createElement("div");
    modal.className = "modal fade";
    modal.tabIndex = -1;
    modal.setAttribute("role", "dialog");
    modal.setAttribute("aria-modal", "true");
    modal.setAttribute("aria-labelledby", "confirm-title");
    modal.innerHTML =
      '<div class="modal-dialog modal-dialog-centered"><div class="modal-content">' +
      '<div class="modal-header"><h2 class="modal-title h5" id="confirm-title"></h2>' +
      '<button type="button" class="btn-close" data-bs-dismiss="modal"></button></div>' +
      '<div class="modal-body"><p class="mb-0"></p></div>' +
      '<div class="modal-footer"><button type="button" class="btn btn-outline-secondary" data-bs-dismiss="modal"></button>' +
      '<button type="button" class="btn btn-danger" data-confirm-yes></button></div></div></div>';
    modal.querySelector(".modal-title").textContent = labels.confirmTitle || "Please confirm";
    modal.querySelector(".modal-body p").textContent = question;
    modal.querySelector(".btn-close").setAttribute("aria-label", labels.confirmClose || "Close");
    modal.querySelector(".modal-footer .btn-outline-secondary").textContent = labels.confirmCancel || "Cancel";
    var yes = modal.querySelector("[data-confirm-yes]");
    yes.textContent = labels.confirmOk || "Confirm";
    document.body.appendChild(modal);
    var dialog = new window.bootstrap.Modal(modal);
    var confirmed = false;
    yes.addEventListener("click", function () { confirmed = true; dialog.hide(); });
    modal.addEventListener("shown.bs.modal", function () { yes.focus(); });
    modal.addEventListener("hidden.bs.modal", function () {
      modal.remove();
      if (confirmed) onYes();
    });
    dialog.show();
  }

  // Opt-in per element (data-confirm-dialog), so pages that expect the native box keep it.
  document.addEventListener("htmx:confirm", function (event) {
    if (!event.detail.question || !event.detail.elt.closest("[data-confirm-dialog]")) return;
    event.preventDefault();
    askToConfirm(event.detail.question, function () { event.detail.issueRequest(true); });
  });

  // Plain (non-htmx) forms with data-confirm ask before submitting.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-confirm") || form.hasAttribute("hx-post") || form.dataset.confirmed) return;
    event.preventDefault();
    askToConfirm(form.getAttribute("data-confirm"), function () {
      form.dataset.confirmed = "1";
      form.requestSubmit ? form.requestSubmit() : form.submit();
    });
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
