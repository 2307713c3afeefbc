// Dark mode follows the system setting (prefers-color-scheme) with Bootstrap 5.3's colour modes.
// Loaded in <head>, before the page is drawn, so a dark page never flashes light first.
(function () {
  "use strict";
  var query = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  function apply() {
    document.documentElement.setAttribute("data-bs-theme", query && query.matches ? "dark" : "light");
  }
  apply();
  if (query && query.addEventListener) query.addEventListener("change", apply);
})();
