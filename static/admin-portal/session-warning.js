// A warning a little before a staff session signs out, with a way to stay signed in
// (WCAG 2.2.1). The server says how long is left; asking it again is not activity, so
// work in another tab that kept the session alive is noticed before anyone is warned.
(function () {
  "use strict";
  var dialog = document.getElementById("session-warning");
  if (!dialog || typeof dialog.showModal !== "function") {
    return;
  }
  var warnBefore = Number(dialog.dataset.warnBefore) * 1000;
  var url = dialog.dataset.sessionUrl;
  var stay = dialog.querySelector("[data-action=stay]");
  var close = dialog.querySelector("[data-action=close]");
  var signIn = dialog.querySelector("[data-action=sign-in]");
  var endsAt = 0;
  var timer = null;
  var ticker = null;

  function show(part) {
    dialog.querySelectorAll("[data-message]").forEach(function (message) {
      message.hidden = message.dataset.message !== part;
    });
    stay.hidden = part !== "warning";
    close.hidden = part === "warning";
    signIn.hidden = part !== "ended";
  }

  function inWords(milliseconds) {
    var seconds = Math.max(0, Math.round(milliseconds / 1000));
    if (seconds >= 90) {
      return "in " + Math.round(seconds / 60) + " minutes";
    }
    if (seconds >= 60) {
      return "in 1 minute";
    }
    return "in " + seconds + (seconds === 1 ? " second" : " seconds");
  }

  function countdown() {
    var words = inWords(endsAt - Date.now());
    dialog.querySelectorAll("[data-countdown]").forEach(function (span) {
      span.textContent = words;
    });
  }

  function open(part) {
    show(part);
    countdown();
    if (!dialog.open) {
      dialog.showModal();
    }
    (part === "ended" ? signIn : part === "final" ? close : stay).focus();
    clearInterval(ticker);
    if (part !== "ended") {
      ticker = setInterval(countdown, 15000);
    }
  }

  function schedule(answer) {
    clearTimeout(timer);
    clearInterval(ticker);
    if (!answer.signed_in || answer.seconds_left <= 0) {
      open("ended");
      return;
    }
    endsAt = Date.now() + answer.seconds_left * 1000;
    var untilWarning = endsAt - warnBefore - Date.now();
    if (untilWarning > 1000) {
      if (dialog.open) {
        dialog.close();
      }
      timer = setTimeout(check, untilWarning);
      return;
    }
    open(answer.can_extend ? "warning" : "final");
    timer = setTimeout(check, Math.max(1000, endsAt - Date.now() + 1000));
  }

  function ask(method) {
    var options = { method: method, credentials: "same-origin", headers: {} };
    if (method === "POST") {
      options.headers["X-CSRFToken"] = dialog.dataset.csrfToken;
    }
    return fetch(url, options).then(function (response) {
      if (!response.ok) {
        throw new Error("The session check answered " + response.status);
      }
      return response.json();
    });
  }

  function check() {
    ask("GET")
      .then(schedule)
      .catch(function () {
        // The server did not answer: try again shortly rather than guess.
        timer = setTimeout(check, 30000);
      });
  }

  stay.addEventListener("click", function () {
    ask("POST").then(schedule).catch(check);
  });
  close.addEventListener("click", function () {
    dialog.close();
  });
  // Escape is "carry on", as the button would be, while the session can be extended;
  // otherwise it closes the dialog, so what is on the page can still be copied.
  dialog.addEventListener("cancel", function (event) {
    if (!stay.hidden) {
      event.preventDefault();
      stay.click();
    }
  });

  var first = {
    signed_in: true,
    seconds_left: Number(dialog.dataset.secondsLeft),
    can_extend: dialog.dataset.canExtend === "true",
  };
  if (first.seconds_left * 1000 <= warnBefore) {
    // Already near the end when the page was drawn: ask before warning, since work in
    // another tab may have moved the end on.
    check();
  } else {
    schedule(first);
  }
})();
