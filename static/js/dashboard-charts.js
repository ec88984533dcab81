// GAM dashboards: draws every <canvas data-chart="ID"> from the JSON in <script id="ID">
// (rendered by Django's json_script). The same figures are in a table beside each chart.
(function () {
  "use strict";
  const COLORS = ["#1d4ed8", "#0891b2", "#15803d", "#b45309", "#b91c1c", "#7c3aed", "#64748b"];
  const number = new Intl.NumberFormat(document.documentElement.lang || "en", {
    maximumFractionDigits: 0,
  });

  function config(spec) {
    const doughnut = spec.type === "doughnut";
    const datasets = spec.datasets.map((dataset, i) => ({
      label: dataset.label,
      data: dataset.data,
      backgroundColor: dataset.color || (doughnut ? COLORS : COLORS[i % COLORS.length]),
      borderWidth: doughnut ? 1 : 0,
    }));
    const format = (value) => (spec.percent ? value + " %" : number.format(value));
    const options = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: {
        legend: { position: "bottom", display: doughnut || datasets.length > 1 },
        tooltip: {
          callbacks: {
            label: (ctx) => `${ctx.dataset.label}: ${format(ctx.parsed.y ?? ctx.parsed.x ?? ctx.parsed)}`,
          },
        },
      },
    };
    if (!doughnut) {
      const valueAxis = { stacked: !!spec.stacked, beginAtZero: true, ticks: { callback: format } };
      const categoryAxis = { stacked: !!spec.stacked };
      if (spec.percent) valueAxis.max = 100;
      options.indexAxis = spec.horizontal ? "y" : "x";
      options.scales = spec.horizontal
        ? { x: valueAxis, y: categoryAxis }
        : { x: categoryAxis, y: valueAxis };
    }
    return { type: spec.type, data: { labels: spec.labels, datasets }, options };
  }

  function draw() {
    if (typeof window.Chart === "undefined") return;
    document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
      const source = document.getElementById(canvas.dataset.chart);
      if (!source || canvas.dataset.drawn) return;
      canvas.dataset.drawn = "1";
      new window.Chart(canvas, config(JSON.parse(source.textContent)));
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
