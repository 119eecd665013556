// Applies the theme chosen with the toggle (kept in localStorage) before the page is painted.
// Without a choice the page follows the system's prefers-color-scheme (see hookline.css).
(function () {
  try {
    var theme = localStorage.getItem("hookline-theme");
    if (theme === "light" || theme === "dark") {
      document.documentElement.setAttribute("data-theme", theme);
    }
  } catch (e) {
    /* storage disabled: follow the system */
  }
})();
