// The operation board refreshes itself every 15 s (htmx). A refresh that would replace a form
// being edited (a team or status chosen but not yet sent) is skipped, so the choice is not lost.
(function () {
  "use strict";
  var edited = false;
  document.addEventListener("change", function (e) {
    if (e.target instanceof Element && e.target.closest("#board form")) {
      edited = true;
    }
  });
  document.addEventListener("htmx:beforeRequest", function (e) {
    var board = document.getElementById("board");
    if (!board || e.detail.elt !== board) {
      return;
    }
    var active = document.activeElement;
    var editing = active instanceof Element && board.contains(active) && active.matches("select, input, textarea");
    if (edited || editing) {
      e.preventDefault();
    }
  });
})();
