// The schedule picker shows only the fields the chosen pattern uses. Without this file
// every field shows, each with a hint saying which pattern it is for.
(function () {
  "use strict";
  var form = document.querySelector("form.f-schedule");
  if (!form) return;
  var radios = form.querySelectorAll("input[name=pattern]");
  var fields = form.querySelectorAll("[data-patterns]");

  function update() {
    var chosen = form.querySelector("input[name=pattern]:checked");
    for (var i = 0; i < fields.length; i++) {
      var wrapper = fields[i].closest(".field");
      var wanted = !chosen || fields[i].getAttribute("data-patterns").split(" ").indexOf(chosen.value) !== -1;
      if (wrapper) wrapper.hidden = !wanted;
    }
  }
  for (var i = 0; i < radios.length; i++) radios[i].addEventListener("change", update);
  update();
})();
