// Small progressive enhancements. The portal works without this file.
(function () {
  "use strict";
  // Lets CSS hide controls only a browser without JavaScript needs (".nojs-only").
  document.documentElement.classList.add("js");

  // After a failed submit the error summary takes the focus: it is what the user needs to hear first.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) summary.focus();

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
  // The question names the action and its object ("Remove Carol from Acme?"); the element may add
  //   data-confirm-title   the dialog's heading (default <body data-confirm-title>)
  //   data-confirm-ok      the confirm button's label, e.g. "Remove member" (default "Yes, continue")
  //   data-confirm-tone    "primary" for a non-destructive step (default: a red, destructive button)
  //   data-confirm-type    a word (a slug, an email) to type before the button enables; it is copied
  //                        into the form's [name=confirm] field, which the server checks too
  //   data-confirm-when    "field=value": ask only when the form's field has that value
  // Cancel has the focus when it opens (Enter never destroys by accident) and Esc cancels.
  var dialogCount = 0;
  function askToConfirm(question, source, onYes) {
    if (!window.bootstrap || !window.bootstrap.Modal) {
      if (window.confirm(question)) onYes(null);
      return;
    }
    var labels = document.body.dataset, data = source.dataset, id = "confirm-" + (++dialogCount);
    var modal = document.createElement("div");
    modal.className = "modal fade confirm-dialog";
    modal.tabIndex = -1;
    modal.setAttribute("role", "dialog");
    modal.setAttribute("aria-modal", "true");
    modal.setAttribute("aria-labelledby", id + "-title");
    modal.setAttribute("aria-describedby", id + "-question");
    modal.innerHTML =
      '<div class="modal-dialog modal-dialog-centered"><div class="modal-content">' +
      '<div class="modal-header"><h2 class="modal-title h5"></h2>' +
      '<button type="button" class="btn-close" data-bs-dismiss="modal"></button></div>' +
      '<div class="modal-body"><p class="mb-0"></p></div>' +
      '<div class="modal-footer"><button type="button" class="btn btn-outline-secondary" data-bs-dismiss="modal" data-confirm-cancel></button>' +
      '<button type="button" class="btn" data-confirm-yes></button></div></div></div>';
    var title = modal.querySelector(".modal-title");
    title.id = id + "-title";
    title.textContent = data.confirmTitle || labels.confirmTitle || "Please confirm";
    var text = modal.querySelector(".modal-body p");
    text.id = id + "-question";
    text.textContent = question;
    modal.querySelector(".btn-close").setAttribute("aria-label", labels.confirmClose || "Close");
    var cancel = modal.querySelector("[data-confirm-cancel]");
    cancel.textContent = labels.confirmCancel || "Cancel";
    var yes = modal.querySelector("[data-confirm-yes]");
    yes.textContent = data.confirmOk || labels.confirmOk || "Confirm";
    yes.classList.add(data.confirmTone === "primary" ? "btn-primary" : "btn-danger");
    var typed = null, word = data.confirmType;
    if (word) {
      var group = document.createElement("div");
      group.className = "mt-3";
      var label = document.createElement("label");
      label.className = "form-label";
      label.htmlFor = id + "-word";
      label.textContent = (labels.confirmTypeLabel || "Type {word} to confirm").replace("{word}", word);
      typed = document.createElement("input");
      typed.className = "form-control";
      typed.id = id + "-word";
      typed.autocomplete = "off";
      typed.spellcheck = false;
      group.appendChild(label);
      group.appendChild(typed);
      modal.querySelector(".modal-body").appendChild(group);
      yes.disabled = true;
      typed.addEventListener("input", function () { yes.disabled = typed.value.trim() !== word; });
      typed.addEventListener("keydown", function (event) {
        if (event.key === "Enter" && !yes.disabled) { event.preventDefault(); yes.click(); }
      });
    }
    document.body.appendChild(modal);
    var dialog = new window.bootstrap.Modal(modal, {keyboard: true});
    var confirmed = false;
    yes.addEventListener("click", function () { confirmed = true; dialog.hide(); });
    modal.addEventListener("shown.bs.modal", function () { (typed || cancel).focus(); });
    modal.addEventListener("hidden.bs.modal", function () {
      var value = typed ? typed.value.trim() : null;
      modal.remove();
      if (confirmed) onYes(value);
      else if (source.isConnected && source.focus) source.focus();
    });
    dialog.show();
  }

  function confirmWanted(element) {
    var when = element.getAttribute("data-confirm-when");
    if (!when) return true;
    var form = element.closest("form") || element;
    var parts = when.split("="), field = form.querySelector("[name='" + parts[0] + "']");
    return !!field && field.value === parts[1];
  }

  // The server checks the deliberate step too: the typed word goes to [name=confirm], a plain
  // "yes" to [name=confirmed].
  function copyTypedWord(element, value) {
    var form = element.closest("form");
    if (!form) return;
    var typed = form.querySelector("[name=confirm]"), confirmed = form.querySelector("[name=confirmed]");
    if (typed && value !== null) typed.value = value;
    if (confirmed) confirmed.value = "1";
  }

  // Every hx-confirm uses the dialog; data-confirm on an htmx form asks the same way.
  document.addEventListener("htmx:confirm", function (event) {
    var elt = event.detail.elt;
    var holder = elt.closest("[data-confirm]") || elt;
    var question = event.detail.question || (holder.hasAttribute("data-confirm") && holder.getAttribute("data-confirm"));
    if (!question || !confirmWanted(holder)) return;
    event.preventDefault();
    askToConfirm(question, holder, function (value) {
      copyTypedWord(holder, value);
      event.detail.issueRequest(true);
    });
  });

  // Plain (non-htmx) forms with data-confirm ask before submitting.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-confirm") || form.hasAttribute("hx-post") || form.dataset.confirmed) return;
    if (!confirmWanted(form)) return;
    event.preventDefault();
    var submitter = event.submitter;
    askToConfirm(form.getAttribute("data-confirm"), form, function (value) {
      copyTypedWord(form, value);
      form.dataset.confirmed = "1";
      form.requestSubmit ? form.requestSubmit(submitter || undefined) : form.submit();
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
