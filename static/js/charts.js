/* Draws the charts of the statistics pages with ECharts (static/vendor/echarts).
 *
 * Each chart is an empty element with data-chart="ID" and a data block
 * <script type="application/json" id="ID"> written by the server (marketplace/stats/charts.py):
 * {kind: "bar"|"funnel"|"pie", money: bool, categories: [...], series: [{name, data}]}.
 * Money arrives as integer fen and is shown in 万元. The same figures are in the tables next
 * to the charts, so nothing is lost without JavaScript. No inline script, no eval (strict CSP).
 */
(function () {
  "use strict";
  var FEN_PER_WAN = 1000000;

  function wan(fen) {
    return Math.round(fen / (FEN_PER_WAN / 100)) / 100;
  }

  function options(spec) {
    var values = function (s) { return spec.money ? s.data.map(wan) : s.data; };
    if (spec.kind === "funnel" || spec.kind === "pie") {
      var s = spec.series[0];
      var data = spec.categories.map(function (name, i) {
        return { name: name, value: values(s)[i] };
      });
      return {
        animation: false,
        tooltip: { trigger: "item" },
        legend: { bottom: 0 },
        series: [{
          name: s.name,
          type: spec.kind,
          data: data,
          sort: "none",
          label: { show: true, formatter: "{b}: {c}" },
          radius: spec.kind === "pie" ? ["35%", "65%"] : undefined,
        }],
      };
    }
    return {
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 8, right: 8, bottom: 8, top: 48, containLabel: true },
      xAxis: { type: "category", data: spec.categories, axisLabel: { interval: 0, rotate: spec.categories.length > 6 ? 30 : 0 } },
      yAxis: { type: "value", name: spec.unit || "" },
      series: spec.series.map(function (s) {
        return { name: s.name, type: "bar", data: values(s) };
      }),
    };
  }

  function draw(el) {
    var block = document.getElementById(el.getAttribute("data-chart"));
    if (!block || typeof echarts === "undefined") { return; }
    var spec = JSON.parse(block.textContent);
    // The height is set here (CSSOM, allowed by the CSP); without script the box stays empty.
    el.style.height = "320px";
    el.style.width = "100%";
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(options(spec));
    window.addEventListener("resize", function () { chart.resize(); });
    el.setAttribute("data-drawn", "true");
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-chart]"), draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
