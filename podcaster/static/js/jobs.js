// The Jobs page follows running jobs without a page refresh (a <meta refresh> would also move the
// focus and the screen reader's place): while a job waits or runs, the table is fetched again every
// few seconds and swapped in; the "Refresh" link does the same by hand without JavaScript.
(function () {
  "use strict";
  var INTERVAL_MS = 3000;

  function refresh() {
    var current = document.getElementById("jobs-table");
    if (!current || current.dataset.busy !== "true") {
      return;
    }
    fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null) {
          return;
        }
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("jobs-table");
        if (fresh) {
          current.replaceWith(document.importNode(fresh, true));
        }
        window.setTimeout(refresh, INTERVAL_MS);
      })
      .catch(function () { window.setTimeout(refresh, INTERVAL_MS * 2); });
  }

  window.setTimeout(refresh, INTERVAL_MS);
})();
