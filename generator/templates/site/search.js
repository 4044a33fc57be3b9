// Filters the module table as you type: every word must appear in the row's search text.
(function () {
  "use strict";
  var input = document.getElementById("search");
  var rows = Array.prototype.slice.call(document.querySelectorAll("#modules tbody tr"));
  var none = document.getElementById("no-match");
  function filter() {
    var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    rows.forEach(function (row) {
      var text = row.getAttribute("data-search");
      var match = words.every(function (w) { return text.indexOf(w) !== -1; });
      row.hidden = !match;
      if (match) { shown += 1; }
    });
    none.hidden = shown !== 0;
  }
  input.addEventListener("input", filter);
  var query = new URLSearchParams(window.location.search).get("q");
  if (query) { input.value = query; }
  filter();
})();
