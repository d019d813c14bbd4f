/* Group page: a "Copy link" button beside the share link (the link is there without it). */
(function () {
  "use strict";
  var button = document.querySelector("[data-copy]");
  var status = document.querySelector("[data-copy-status]");
  if (!button || !navigator.clipboard) {
    return;
  }
  var field = document.getElementById(button.getAttribute("data-copy"));
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(field.value).then(function () {
      status.textContent = button.getAttribute("data-copied");
    }, function () {
      field.select();
    });
  });
})();
