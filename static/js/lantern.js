/* Lantern: small enhancements on every page; every page works without this file.
   - "Exit this page" (GOV.UK pattern): the button, or Shift pressed three times, hides the page
     and replaces it and its history entry with a neutral site.
   - The error summary takes focus so screen readers and keyboards land on it. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  var exitLink = document.querySelector("[data-quick-exit]");
  function exitNow() {
    document.body.classList.add("is-exiting");
    document.title = "…";
    window.location.replace(exitLink.href);
  }
  if (exitLink) {
    exitLink.addEventListener("click", function (event) {
      event.preventDefault();
      exitNow();
    });
    var presses = 0;
    var timer = null;
    document.addEventListener("keyup", function (event) {
      if (event.key !== "Shift") {
        presses = 0;
        return;
      }
      presses += 1;
      window.clearTimeout(timer);
      // GOV.UK resets the count after 5 seconds without a Shift.
      timer = window.setTimeout(function () { presses = 0; }, 5000);
      if (presses >= 3) {
        presses = 0;
        exitNow();
      }
    });
  }

  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }
})();
