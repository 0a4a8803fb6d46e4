/* Result grid (templates/lims/results/grid.html): Enter and ArrowDown go to the next row's result, ArrowUp to the
   previous one; leaving a changed input saves its row (HTMX, hx-trigger="change"). A row answered with its faults
   (400, 409) replaces itself so that each message shows next to its input. No dependency. */
(function () {
  "use strict";
  var VALUE = "input[data-grid-value]";
  var STEPS = { Enter: 1, ArrowDown: 1, ArrowUp: -1 };

  document.addEventListener("keydown", function (event) {
    var input = event.target;
    var step = STEPS[event.key];
    if (!step || !input.matches || !input.matches(VALUE) || event.altKey || event.ctrlKey || event.metaKey) return;
    event.preventDefault(); // Enter would post the whole grid (the path without JavaScript)
    var all = Array.prototype.slice.call(document.querySelectorAll(VALUE));
    var next = all[all.indexOf(input) + step];
    if (next) {
      next.focus();
      next.select();
    } else {
      input.blur(); // the last row: leaving the input is what saves it
    }
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if ((status === 400 || status === 409) && event.detail.target.hasAttribute("data-grid-row")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
