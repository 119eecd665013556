// Opens the portal from a link: `/portal/open#code=…`. The code is in the fragment, which
// browsers never send to a server; this script posts it once, then replaces the location,
// so the code is neither in the address bar nor in the history afterwards.
(function () {
  "use strict";
  var status = document.getElementById("link-status");

  function show(text, refused) {
    if (!status) return;
    status.textContent = text;
    status.hidden = false;
    var heading = document.getElementById("link-heading");
    if (heading && refused) heading.textContent = "This link cannot be used";
  }

  function open() {
    var match = /(?:^#|&)code=([^&]+)/.exec(window.location.hash);
    // Out of the address bar (and the history entry) before anything else happens.
    if (window.location.hash) {
      history.replaceState(null, "", window.location.pathname + window.location.search);
    }
    if (!match) return; // no code: the page explains how to open the portal
    show("Opening the portal…", false);
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
            show(body.error || "This portal link cannot be used.", true);
          }
        });
      })
      .catch(function () {
        show("The portal could not be reached. Check the connection and open the link again.", true);
      });
  }

  open();
  // A link opened while this page is showing changes only the fragment: no new page load.
  window.addEventListener("hashchange", open);
})();
