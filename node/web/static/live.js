// etoiles live updates. A page whose <main> has data-live="URL" follows
// that server-sent event stream; when what the page shows changes, it
// says so in the page's status region (role="status", read politely by
// screen readers) with a link to reload. It never reloads by itself, and
// every page works without this script.
(function () {
  "use strict";
  var main = document.querySelector("main[data-live]");
  var box = document.getElementById("live");
  var text = document.getElementById("live-text");
  if (!main || !box || !text || !window.EventSource) {
    return;
  }
  var source = new EventSource(main.getAttribute("data-live"));
  source.addEventListener("change", function () {
    if (!box.firstChild) {
      box.appendChild(text.content.cloneNode(true));
    }
  });
  window.addEventListener("pagehide", function () {
    source.close();
  });
})();
