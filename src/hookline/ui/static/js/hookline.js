// The pages' own behaviour: the theme toggle, the CSRF header on htmx requests, and charts.
// No inline scripts anywhere: the Content-Security-Policy allows only files like this one.
(function () {
  "use strict";

  function currentTheme() {
    var chosen = document.documentElement.getAttribute("data-theme");
    if (chosen) return chosen;
    return window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  function setupThemeToggle() {
    var button = document.getElementById("theme-toggle");
    if (!button) return;
    var label = function () {
      var next = currentTheme() === "dark" ? "light" : "dark";
      button.setAttribute("aria-label", "Switch to the " + next + " theme");
      button.setAttribute("title", "Switch to the " + next + " theme");
    };
    label();
    button.addEventListener("click", function () {
      var next = currentTheme() === "dark" ? "light" : "dark";
      document.documentElement.setAttribute("data-theme", next);
      try {
        localStorage.setItem("hookline-theme", next);
      } catch (e) {
        /* not remembered, still applied */
      }
      label();
      document.dispatchEvent(new CustomEvent("hookline:theme"));
    });
  }

  // htmx requests carry the session's CSRF token in a header (forms carry a hidden field).
  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) event.detail.headers["X-CSRF-Token"] = meta.getAttribute("content");
  });

  function cssVar(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  function chartOptions(kind, width) {
    var axis = {
      stroke: cssVar("--muted"),
      grid: { stroke: cssVar("--grid"), width: 1 },
      ticks: { stroke: cssVar("--grid"), width: 1 },
    };
    var series;
    if (kind === "attempts") {
      series = [
        {},
        { label: "Succeeded", stroke: cssVar("--ok"), fill: cssVar("--ok-fill"), width: 2 },
        { label: "Failed", stroke: cssVar("--bad"), fill: cssVar("--bad-fill"), width: 2 },
      ];
    } else {
      series = [
        {},
        { label: "p50 (ms)", stroke: cssVar("--accent"), width: 2, spanGaps: true },
        { label: "p99 (ms)", stroke: cssVar("--warn"), width: 2, spanGaps: true },
      ];
    }
    return {
      width: width,
      height: 220,
      series: series,
      axes: [axis, Object.assign({}, axis, { size: 56 })],
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
    };
  }

  var charts = [];

  function drawCharts() {
    charts.forEach(function (c) { c.plot.destroy(); });
    charts = [];
    if (typeof uPlot === "undefined") return;
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-source"));
      if (!source) return;
      var data = JSON.parse(source.textContent);
      var kind = el.getAttribute("data-chart");
      var columns = kind === "attempts"
        ? [data.t, data.succeeded, data.failed]
        : [data.t, data.p50, data.p99];
      var plot = new uPlot(chartOptions(kind, el.clientWidth || 600), columns, el);
      charts.push({ el: el, plot: plot });
    });
  }

  function resizeCharts() {
    charts.forEach(function (c) {
      c.plot.setSize({ width: c.el.clientWidth || 600, height: 220 });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupThemeToggle();
    drawCharts();
    var pending;
    window.addEventListener("resize", function () {
      clearTimeout(pending);
      pending = setTimeout(resizeCharts, 100);
    });
    document.addEventListener("hookline:theme", drawCharts);
    window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", drawCharts);
  });
})();
