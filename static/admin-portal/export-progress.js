// Moves an export's progress bar on (templates/admin/reports/export_detail.html):
// asks the status address every second until the export is ready or has failed,
// then shows the download link. Without JavaScript the page offers "Check again".
(function () {
  "use strict";

  function start() {
    var page = document.querySelector(".export-progress[data-status-url]");
    if (!page || page.hasAttribute("data-finished")) return;
    var bar = document.getElementById("export-bar");
    var message = document.getElementById("export-message");
    var download = document.getElementById("export-download");
    var link = document.getElementById("export-download-link");
    var checkAgain = document.getElementById("export-check-again");
    if (checkAgain) checkAgain.hidden = true;

    function show(state) {
      bar.value = state.percent;
      bar.textContent = state.percent + "%";
      if (message.textContent !== state.message) message.textContent = state.message;
      if (state.download_url) {
        link.href = state.download_url;
        download.hidden = false;
      }
      return state.finished;
    }

    function poll() {
      fetch(page.getAttribute("data-status-url"), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (response) {
          if (!response.ok) throw new Error(response.status);
          return response.json();
        })
        .then(function (state) {
          if (!show(state)) window.setTimeout(poll, 1000);
          else if (!state.ended && checkAgain) checkAgain.hidden = false;
        })
        .catch(function () {
          // A lost connection or an ended session: offer the plain reload instead.
          if (checkAgain) checkAgain.hidden = false;
        });
    }

    window.setTimeout(poll, 1000);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
