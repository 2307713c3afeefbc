// Small progressive enhancements. The portal works without this file.
(function () {
  "use strict";
  // Lets CSS hide controls only a browser without JavaScript needs (".nojs-only").
  document.documentElement.classList.add("js");

  // After a failed submit the error summary takes the focus: it is what the user needs to hear first.
  // Else an element the page marks (a warning that asks for a deliberate step). The mark is
  // removed either way, so a later HTMX swap does not send the focus back to it.
  var summary = document.querySelector("[data-error-summary]");
  var markedAtLoad = document.querySelectorAll("[data-focus-after-swap]");
  if (summary) summary.focus();
  else if (markedAtLoad.length) markedAtLoad[0].focus();
  markedAtLoad.forEach(function (e) { e.removeAttribute("data-focus-after-swap"); });

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
    // data-confirm-changed="field": ask only when that field differs from data-confirm-original (or,
    // without it, from the value the page came with)
    var changed = element.getAttribute("data-confirm-changed");
    if (changed) {
      var own = (element.closest("form") || element).querySelector("[name='" + changed + "']");
      var original = element.getAttribute("data-confirm-original");
      return !!own && own.value.trim().toLowerCase() !== (original !== null ? original : own.defaultValue).trim().toLowerCase();
    }
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

  // A long <select data-searchable> (time zones) gets a search box above it that hides the options
  // not matching what is typed; one match left is chosen. Without JavaScript the plain select works.
  document.querySelectorAll("select[data-searchable]").forEach(function (select) {
    var search = document.createElement("input");
    search.type = "search";
    search.className = "form-control form-control-sm mb-1";
    search.id = select.id + "-search";
    search.autocomplete = "off";
    search.placeholder = select.getAttribute("data-search-placeholder") || "";
    search.setAttribute("aria-label", select.getAttribute("data-search-label") || "Search");
    search.setAttribute("aria-controls", select.id);
    select.parentNode.insertBefore(search, select);
    search.addEventListener("keydown", function (event) { if (event.key === "Enter") event.preventDefault(); });
    search.addEventListener("input", function () {
      var words = search.value.trim().toLowerCase().replace(/_/g, " ").split(/\s+/).filter(Boolean), shown = [];
      Array.prototype.forEach.call(select.options, function (option) {
        var text = (option.text + " " + option.value).toLowerCase().replace(/_/g, " ");
        option.hidden = !words.every(function (word) { return text.indexOf(word) !== -1; });
        if (!option.hidden) shown.push(option);
      });
      if (shown.length === 1) select.value = shown[0].value;
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

  // ---- Feedback after an HTMX request -------------------------------------------------------------
  // The page has one polite live region, #flashes (base.html): a flashed message swapped into it is
  // spoken. A response may also mark
  //   data-announce="text"   an outcome with no flash ("Carol is now Viewer", "3 results"): app.js
  //                          puts the text, visually hidden, into the live region
  //   data-focus-after-swap  the element to take the focus (the changed row, a message)
  // When nothing is marked and the focus was in the swapped region, it goes to the region's first
  // error, else to what replaced the focused part (same id), else to the next or previous row:
  // never back to the top of the page. Focus never moves while the user is still in a control
  // that was not swapped (typing a search).
  var liveRegion = document.getElementById("flashes");
  function announce(root) {
    if (!liveRegion) return;
    var marked = [];
    if (root.matches && root.matches("[data-announce]")) marked.push(root);
    if (root.querySelectorAll) root.querySelectorAll("[data-announce]").forEach(function (e) { marked.push(e); });
    marked.forEach(function (e) {
      if (e.dataset.announced || liveRegion.contains(e)) return;
      e.dataset.announced = "1";
      var text = (e.getAttribute("data-announce") || "").trim();
      if (!text) return;
      var spoken = document.createElement("div");
      spoken.className = "visually-hidden";
      spoken.textContent = text;
      // A moment after the swap, so the same outcome twice is heard twice.
      setTimeout(function () {
        liveRegion.appendChild(spoken);
        setTimeout(function () { spoken.remove(); }, 10000);
      }, 60);
    });
  }
  function focusOn(element) {
    if (!element || !element.isConnected) return false;
    if (!element.matches("a[href], button, input, select, textarea, [tabindex]")) element.tabIndex = -1;
    element.focus({preventScroll: false});
    return document.activeElement === element;
  }
  function focusLost() {
    var active = document.activeElement;
    return !active || active === document.body || !active.isConnected;
  }

  var swapMemory = null, focusAtRequest = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target, active = document.activeElement;
    // The focused button may have been disabled in flight (and so lost the focus): ask where the
    // focus was when the request left.
    var inside = function (e) { return !!(target && e && e !== document.body && target.contains(e)); };
    swapMemory = {
      id: target && target.id,
      hadFocus: inside(active) || inside(focusAtRequest),
      next: target && (target.nextElementSibling || target.previousElementSibling),
      parent: target && target.parentElement,
    };
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    var memory = swapMemory;
    swapMemory = null;
    // A form that came back with errors: its summary, else its first invalid field.
    var region = (memory && memory.id && document.getElementById(memory.id)) || document.body;
    var marked = document.querySelector("[data-focus-after-swap]") ||
      (memory && memory.hadFocus && region.querySelector("[data-error-summary], .is-invalid"));
    if (marked) {
      marked.removeAttribute("data-focus-after-swap");
      focusOn(marked);
    } else if (memory && (memory.hadFocus || focusLost())) {
      var replacement = memory.id && document.getElementById(memory.id);
      focusOn(replacement && replacement.isConnected ? replacement : null) ||
        focusOn(memory.next) || focusOn(memory.parent && memory.parent.closest("section, .card, [id]"));
    }
    announce(event.detail.elt || document.body);
  });

  // Buttons are disabled while their request is in flight (no double invitations), and marked
  // busy so a slow request shows its spinner (CSS, after a short delay). Elements that declare
  // hx-disabled-elt themselves are left to htmx.
  var busy = new Map();
  function inFlightControls(elt) {
    if (elt.hasAttribute("hx-disabled-elt")) return [];
    if (elt.tagName === "FORM") return Array.from(elt.querySelectorAll("button:not([type=button]), input[type=submit]"));
    if (elt.matches("button, a.btn")) return [elt];
    return [];
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt, controls = inFlightControls(elt);
    focusAtRequest = document.activeElement;
    controls.forEach(function (c) {
      if (c.tagName === "A") c.classList.add("disabled"); else c.disabled = true;
      c.setAttribute("aria-busy", "true");
    });
    busy.set(elt, controls);
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var controls = busy.get(event.detail.elt) || [];
    busy.delete(event.detail.elt);
    controls.forEach(function (c) {
      if (c.tagName === "A") c.classList.remove("disabled"); else c.disabled = false;
      c.removeAttribute("aria-busy");
    });
  });

  // Success messages are toasts over the page (CSS): they leave on their own after a while,
  // unless the pointer or the focus is on them; errors stay until closed.
  function scheduleToasts(root) {
    (root || document).querySelectorAll("#flashes .alert-success:not([data-toast]), #flashes .alert-info:not([data-toast])").forEach(function (alert) {
      alert.dataset.toast = "1";
      var timer = null;
      function arm() { timer = setTimeout(function () {
        if (alert.matches(":hover, :focus-within")) return arm();
        if (window.bootstrap && window.bootstrap.Alert) window.bootstrap.Alert.getOrCreateInstance(alert).close(); else alert.remove();
      }, 8000); }
      arm();
    });
  }
  scheduleToasts(document);
  document.addEventListener("htmx:afterSettle", function () { scheduleToasts(document); });

  // ---- Tables on phones --------------------------------------------------------------------------
  // Below the md breakpoint a data table becomes stacked cards (CSS: .table-stack): each cell is
  // labelled with its column's header, copied here from <thead> unless the template set its own
  // data-label. Every table in a .table-responsive or .table-card takes part, so new pages need
  // nothing; data-no-stack opts a table out (a small key/value table that fits anyway).
  function stackTables(root) {
    (root || document).querySelectorAll(".table-responsive table.table, .table-card table.table, table.table-stack").forEach(function (table) {
      if (table.hasAttribute("data-no-stack")) return;
      table.classList.add("table-stack");
      var head = table.tHead && table.tHead.rows[0];
      if (!head) return;
      var labels = [];
      Array.from(head.cells).forEach(function (th) {
        var text = th.textContent.replace(/\s+/g, " ").trim();
        // A header only a screen reader sees ("Actions") labels nothing on screen either.
        if (th.querySelector(".visually-hidden") && th.textContent.trim() === th.querySelector(".visually-hidden").textContent.trim()) text = "";
        for (var i = 0; i < (th.colSpan || 1); i++) labels.push(text);
      });
      Array.from(table.tBodies).forEach(function (body) {
        Array.from(body.rows).forEach(function (row) {
          var col = 0;
          Array.from(row.cells).forEach(function (cell) {
            if (!cell.hasAttribute("data-label") && labels[col]) cell.setAttribute("data-label", labels[col]);
            col += cell.colSpan || 1;
          });
        });
      });
    });
  }
  stackTables(document);
  document.addEventListener("htmx:afterSettle", function (event) { stackTables(event.detail.elt && event.detail.elt.parentElement || document); });

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
