// Test list: a "tick all" box for the assignment form (hidden without JavaScript, where each box is ticked alone).
(function () {
  "use strict";
  function wire(root) {
    root.querySelectorAll("input[data-check-all]").forEach(function (all) {
      all.hidden = false;
      all.addEventListener("change", function () {
        var form = all.closest("form");
        form.querySelectorAll('input[type="checkbox"][name="' + all.dataset.checkAll + '"]').forEach(function (box) {
          box.checked = all.checked;
        });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { wire(document); });
  document.addEventListener("htmx:afterSwap", function (event) { wire(event.target); });
})();
