// A form that came back with errors: move the focus to its error summary, so that a screen
// reader announces it and the keyboard starts from there. The summary is marked
// data-error-summary and tabindex="-1" (focusable by script, not in the tab order).
(function () {
  "use strict";
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }
})();
