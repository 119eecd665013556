// Inside an <iframe>, the portal tells the page around it how tall it is, so that page can
// size the frame to its content. The message goes to the embedding page's origin only, and
// only when that origin is one the portal may be framed by (HOOKLINE_PORTAL_FRAME_ANCESTORS):
//   { source: "hookline-portal", type: "resize", height: <CSS pixels> }
(function () {
  "use strict";
  if (window.parent === window) return;
  var meta = document.querySelector('meta[name="hookline-frame-ancestors"]');
  var allowed = ((meta && meta.getAttribute("content")) || "").split(/\s+/);

  function embedder() {
    var origins = window.location.ancestorOrigins;
    if (origins && origins.length) return origins[0];
    try {
      return document.referrer ? new URL(document.referrer).origin : null;
    } catch (e) {
      return null;
    }
  }

  function permitted(origin) {
    if (!origin) return false;
    for (var i = 0; i < allowed.length; i++) {
      var source = allowed[i];
      if (source === "'self'" && origin === window.location.origin) return true;
      if (source === origin) return true;
      var wildcard = /^(https?):\/\/\*\.(.+)$/.exec(source);
      if (wildcard) {
        var parsed = new URL(origin);
        var host = parsed.host;
        if (parsed.protocol === wildcard[1] + ":" && host.slice(-(wildcard[2].length + 1)) === "." + wildcard[2]) {
          return true;
        }
      }
    }
    return false;
  }

  var target = embedder();
  if (!permitted(target)) return;
  var last = 0;
  function report() {
    // The content's own height (scrollHeight never drops below the frame's height).
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height === last) return;
    last = height;
    window.parent.postMessage({ source: "hookline-portal", type: "resize", height: height }, target);
  }
  report();
  if (window.ResizeObserver) new ResizeObserver(report).observe(document.body);
  window.addEventListener("load", report);
})();
