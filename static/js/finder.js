/* Finder: "Use my location" where the browser offers it; the ZIP/town field works without it. */
(function () {
  "use strict";
  var button = document.querySelector("[data-use-location]");
  var status = document.querySelector("[data-location-status]");
  var field = document.getElementById("id_near");
  if (!button || !field || !("geolocation" in navigator)) {
    return;
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    status.textContent = button.getAttribute("data-finding") || "";
    navigator.geolocation.getCurrentPosition(
      function (position) {
        field.value = position.coords.latitude.toFixed(3) + "," + position.coords.longitude.toFixed(3);
        field.form.submit();
      },
      function () {
        status.textContent = button.getAttribute("data-failed") || "";
        field.focus();
      },
      { enableHighAccuracy: false, timeout: 10000, maximumAge: 600000 }
    );
  });
})();
