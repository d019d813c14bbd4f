// Live character and segment count for the message box. The count and the preview
// come from the server (the same gsm.py and texts.py the sender uses), so this file
// holds no copy of the GSM-7 rules; without it the Preview button does the same.
(function () {
  "use strict";
  var form = document.getElementById("broadcast-form");
  if (!form || !window.fetch) return;
  var box = form.querySelector("textarea[name=body]");
  var count = document.getElementById("body-count");
  var preview = document.getElementById("live-preview");
  var bubble = preview && preview.querySelector(".f-sms");
  var token = form.querySelector("input[name=csrfmiddlewaretoken]");
  var timer = null;
  var labels = {
    en: function (d) { return d.characters + " characters, " + d.segments + (d.segments === 1 ? " text message" : " text messages") + " (at most " + d.max_characters + " characters of your own)."; },
    es: function (d) { return d.characters + " caracteres, " + d.segments + (d.segments === 1 ? " mensaje de texto" : " mensajes de texto") + " (máximo " + d.max_characters + " caracteres suyos)."; }
  };
  var say = labels[(document.documentElement.lang || "en").slice(0, 2)] || labels.en;

  function update() {
    var body = new FormData();
    body.append("body", box.value);
    fetch(form.getAttribute("data-count-url"), {
      method: "POST",
      body: body,
      headers: { "X-CSRFToken": token.value },
      credentials: "same-origin"
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (data) {
      if (!data) return;
      count.textContent = say(data) + (data.error && box.value.trim() ? " " + data.error : "");
      if (bubble) {
        bubble.textContent = data.text;
        preview.hidden = !box.value.trim();
      }
    }).catch(function () { /* the Preview button still works */ });
  }

  box.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(update, 250);
  });
})();
