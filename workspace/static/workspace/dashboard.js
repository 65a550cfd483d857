/* Reelboard dashboards: draws the charts described by json_script blocks with Apache ECharts (served from
   the product's own static files) and makes tables sortable. No network access beyond this page's host. */
(function () {
  "use strict";

  function formatter(unit) {
    return function (value) {
      if (value === null || value === undefined) { return "—"; }
      if (unit === "ratio") { return (value * 100).toFixed(2) + "%"; }
      if (unit === "ms") { return (value / 1000).toFixed(1) + " s"; }
      if (unit === "ratio_plain") { return "×" + Number(value).toFixed(2); }
      return Number(value).toLocaleString();
    };
  }

  function option(spec) {
    var format = formatter(spec.unit);
    var base = {
      animation: false,
      tooltip: { trigger: spec.type === "pie" ? "item" : "axis", valueFormatter: format },
      grid: { left: 8, right: 24, top: 28, bottom: 8, containLabel: true },
    };
    if (spec.type === "pie") {
      base.series = [{ type: "pie", radius: ["40%", "70%"], name: spec.label,
        data: spec.x.map(function (name, i) { return { name: name, value: spec.y[i] }; }),
        label: { formatter: "{b}: {d}%" } }];
      return base;
    }
    if (spec.type === "hbar") {
      base.xAxis = { type: "value", axisLabel: { formatter: format } };
      base.yAxis = { type: "category", data: spec.x.slice().reverse(), axisLabel: { width: 180, overflow: "truncate" } };
      base.series = [{ type: "bar", name: spec.label, data: spec.y.slice().reverse(), itemStyle: { color: "#417690" } }];
      return base;
    }
    base.xAxis = { type: "category", data: spec.x };
    base.yAxis = { type: "value", axisLabel: { formatter: format } };
    var series = { type: spec.type === "bar" ? "bar" : "line", name: spec.label, data: spec.y, connectNulls: false,
                   itemStyle: { color: "#417690" }, areaStyle: spec.type === "line" ? { opacity: 0.08 } : undefined };
    if (spec.limit !== null && spec.limit !== undefined) {
      series.markLine = { symbol: "none", data: [{ yAxis: spec.limit, name: spec.limit_label }],
                          lineStyle: { color: "#ba2121", type: "dashed" }, label: { formatter: spec.limit_label, position: "insideEndTop" } };
    }
    base.series = [series];
    return base;
  }

  function drawCharts() {
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-chart"));
      if (!source || typeof echarts === "undefined") { return; }
      var chart = echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(option(JSON.parse(source.textContent)));
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  function sortable(table) {
    var headers = table.querySelectorAll("thead th");
    headers.forEach(function (th, column) {
      th.tabIndex = 0;
      th.classList.add("rb-sort");
      function sort() {
        var descending = th.getAttribute("aria-sort") !== "descending";
        headers.forEach(function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", descending ? "descending" : "ascending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows).filter(function (r) { return r.cells.length > 1; });
        rows.sort(function (a, b) {
          var x = a.cells[column].getAttribute("data-raw"), y = b.cells[column].getAttribute("data-raw");
          var nx = parseFloat(x), ny = parseFloat(y), result;
          if (x === "" && y === "") { result = 0; }
          else if (x === "") { return 1; }  // empty values last, whatever the direction
          else if (y === "") { return -1; }
          else if (!isNaN(nx) && !isNaN(ny) && String(nx) !== "NaN") { result = nx - ny; }
          else { result = a.cells[column].textContent.localeCompare(b.cells[column].textContent); }
          return descending ? -result : result;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter") { sort(); } });
    });
  }

  function presetToggle() {
    var form = document.getElementById("rb-controls");
    if (!form) { return; }
    var range = form.querySelector("select[name=range]");
    var dates = form.querySelectorAll("input[type=date]");
    if (!range) { return; }
    function sync() {
      var custom = range.value === "custom";
      dates.forEach(function (d) { d.closest(".rb-control").style.display = custom ? "" : "none"; });
    }
    range.addEventListener("change", function () { sync(); if (range.value !== "custom") { form.submit(); } });
    dates.forEach(function (d) { d.addEventListener("change", function () { range.value = "custom"; }); });
    if (!range.value && (dates[0] && dates[0].value)) { range.value = "custom"; }
    sync();
  }

  document.addEventListener("DOMContentLoaded", function () {
    drawCharts();
    document.querySelectorAll("table.rb-sortable").forEach(sortable);
    presetToggle();
  });
})();
