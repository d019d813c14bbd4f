/* Join form: tell the server the browser's time zone, so reminders name the right hour. */
(function () {
  "use strict";
  var field = document.getElementById("id_time_zone");
  if (!field || field.value || !window.Intl) {
    return;
  }
  try {
    field.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (error) {
    field.value = "";
  }
})();
