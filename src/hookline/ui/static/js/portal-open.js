// Opens the portal from a link: `/portal/open#code=…`. The code is in the fragment, which
// browsers never send to a server; this script posts it once, then replaces the location,
// so the code is neither in the address bar nor in the history afterwards.
(function () {
  "use strict";
  var status = document.getElementById("link-status");
  var match = /(?:^#|&)code=([^&]+)/.exec(window.location.hash);
  // Out of the address bar (and the history entry) before anything else happens.
  if (window.location.hash) {
    history.replaceState(null, "", window.location.pathname + window.location.search);
  }
  function show(text) {
    if (!status) return;
    status.textContent = text;
    status.hidden = false;
    var heading = document.getElementById("link-heading");
    if (heading) heading.textContent = "This link cannot be used";
  }
  if (!match) return; // no code: the page explains how to open the portal
  if (status) {
    status.textContent = "Opening the portal…";
    status.hidden = false;
  }
  fetch(window.location.pathname, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ code: decodeURIComponent(match[1]) }),
  })
    .then(function (response) {
      return response.json().then(function (body) {
        if (response.ok && body.location && body.location.charAt(0) === "/") {
          window.location.replace(body.location);
        } else {
          show(body.error || "This portal link cannot be used.");
        }
      });
    })
    .catch(function () {
      show("The portal could not be reached. Check the connection and open the link again.");
    });
})();
