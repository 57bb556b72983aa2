// Colloquy transcripts (plugins.transcripts): a link to a message of a long chat
// that names the wrong day's page (/transcripts/slug/#m-123 for a message shown on
// a later day) goes on to the page that shows it, using the transcript's
// anchors.json from this same site. Without this script the "Pages by day" list
// still reaches every message.
(function () {
  "use strict";
  var holder = document.querySelector("[data-transcript-anchors]");
  if (!holder || !window.fetch || !window.URL) return;
  var source = new URL(holder.getAttribute("data-transcript-anchors"), document.baseURI);
  if (source.origin !== location.origin) return;
  var loading = null;
  function load() {
    if (!loading) {
      loading = fetch(source.href, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : {}; })
        .catch(function () { loading = null; return {}; });
    }
    return loading;
  }
  function follow() {
    var name;
    try { name = decodeURIComponent(location.hash.slice(1)); } catch (e) { return; }
    if (!name || document.getElementById(name)) return;
    load().then(function (map) {
      var index = map.anchors ? map.anchors[name] : undefined;
      var path = map.pages && typeof index === "number" ? map.pages[index] : undefined;
      if (typeof path !== "string") return;
      var target = new URL(path || "./", source.href);
      if (target.origin !== location.origin || target.pathname === location.pathname) return;
      location.replace(target.pathname + target.search + "#" + encodeURIComponent(name));
    });
  }
  follow();
  window.addEventListener("hashchange", follow);
})();
