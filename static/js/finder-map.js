/* Finder results: "Show on a map", an extra view of the in-person groups in the list.
   The list is always the page; this only adds to it. Leaflet (static/vendor/leaflet/) and the
   tiles load on the first press, so nobody's browser asks the tile server anything unless they
   want the map. Names and texts go in as text, never as HTML. */
(function () {
  "use strict";
  var view = document.querySelector("[data-map]");
  var data = document.getElementById("map-points");
  if (!view || !data) {
    return;
  }
  var button = view.querySelector("[data-map-toggle]");
  var panel = document.getElementById(button.getAttribute("aria-controls"));
  var canvas = view.querySelector("[data-map-canvas]");
  var status = view.querySelector("[data-map-status]");
  var showText = button.textContent;
  var map = null;
  var loading = false;

  function load(tag, attributes, done, failed) {
    var element = document.createElement(tag);
    Object.keys(attributes).forEach(function (name) { element[name] = attributes[name]; });
    element.onload = done;
    element.onerror = failed;
    document.head.appendChild(element);
  }

  function element(tag, text) {
    var node = document.createElement(tag);
    if (text) {
      node.textContent = text;
    }
    return node;
  }

  function popup(point) {
    var box = element("div");
    var name = element("p");
    var link = element("a", point.name);
    link.href = point.url;
    name.className = "map-popup__name";
    name.appendChild(link);
    box.appendChild(name);
    if (point.place) {
      box.appendChild(element("p", point.place));
    }
    if (point.next_meeting) {
      box.appendChild(element("p", view.getAttribute("data-word-next-meeting") + ": " + point.next_meeting));
    }
    return box;
  }

  function build() {
    var L = window.L;
    var points = JSON.parse(data.textContent);
    var icon = L.icon({
      iconUrl: view.getAttribute("data-icon"),
      iconRetinaUrl: view.getAttribute("data-icon-2x"),
      shadowUrl: view.getAttribute("data-shadow"),
      iconSize: [25, 41],
      iconAnchor: [12, 41],
      popupAnchor: [1, -34],
      shadowSize: [41, 41]
    });
    // The attribution is plain text from a setting: escaped before Leaflet writes it as HTML.
    var attribution = element("span", view.getAttribute("data-attribution"));
    map = L.map(canvas, { scrollWheelZoom: false });
    map.attributionControl.setPrefix("Leaflet");
    L.tileLayer(view.getAttribute("data-tiles"), {
      attribution: attribution.innerHTML,
      maxZoom: 19,
      // The tile server learns our origin at most, never the search in the page's address.
      referrerPolicy: "strict-origin"
    }).addTo(map);
    var bounds = [];
    points.forEach(function (point) {
      var where = [point.lat, point.lng];
      bounds.push(where);
      L.marker(where, { icon: icon, alt: point.name, title: point.name, keyboard: true })
        .bindPopup(popup(point), { maxWidth: 220, autoPanPaddingTopLeft: [56, 16] })  // clear of the zoom buttons
        .addTo(map);
    });
    map.fitBounds(bounds, { padding: [32, 32], maxZoom: 14 });
  }

  function failed() {
    loading = false;
    status.textContent = view.getAttribute("data-word-failed");
  }

  function show() {
    if (map || loading) {
      if (map) {
        map.invalidateSize();
      }
      return;
    }
    loading = true;
    var waiting = 2;
    function ready() {
      waiting -= 1;
      if (waiting === 0) {
        loading = false;
        build();
      }
    }
    load("link", { rel: "stylesheet", href: view.getAttribute("data-leaflet-css") }, ready, failed);
    load("script", { src: view.getAttribute("data-leaflet-js") }, ready, failed);
  }

  button.hidden = false;
  button.addEventListener("click", function () {
    var open = panel.hidden;
    panel.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
    button.textContent = open ? view.getAttribute("data-word-hide") : showText;
    if (open) {
      show();
    }
  });
})();
