/* mida-monitor's experiment page: draws each variant's lift over time with
 * Chart.js (the global `Chart`, loaded before this from /static/chart.js),
 * from the page's own tables — nothing is fetched, and without JavaScript
 * the tables say the same. Served as /static/app.js (built into the binary).
 *
 * Reads: tr.poll[data-t] > td.lift[data-variant][data-lift][data-low][data-high]
 *        li.event[data-kind][data-at][data-variant]
 * Draws: canvas.lift-chart[data-variant], then sets canvas.dataset.points
 *        and document.body.dataset.charts = "ready". */
(function () {
  'use strict';

  var COLORS = { line: '#1a56db', band: 'rgba(26, 86, 219, 0.15)', zero: '#667085',
                 fired: '#b3261e', resolved: '#137333', action: '#7e22ce' };

  function number(text) {
    var v = text === undefined || text === '' ? NaN : parseFloat(text);
    return isFinite(v) ? v : null;
  }

  function percent(v) {
    if (v === null) return '\u2014';
    if (Math.abs(v) < 0.00005) return '0%';
    return (v > 0 ? '+' : '') + (v * 100).toFixed(Math.abs(v) < 0.01 ? 2 : 1) + '%';
  }

  function when(seconds) {
    return new Date(seconds * 1000).toISOString().slice(0, 16).replace('T', ' ');
  }

  /* The x axis's labels: with seconds when the polls span less than two
   * hours (a fast interval, or a simulator's clock), else to the minute. */
  function ticksFor(span) {
    return function (seconds) {
      var text = new Date(seconds * 1000).toISOString().replace('T', ' ');
      return span < 7200 ? text.slice(11, 19) : text.slice(0, 16);
    };
  }

  /* The polls of one variant: [{x, lift, low, high}], oldest first. */
  function series(variant) {
    var out = [];
    document.querySelectorAll('tr.poll').forEach(function (row) {
      var t = number(row.dataset.t), cell = null;
      row.querySelectorAll('td.lift').forEach(function (td) {
        if (td.dataset.variant === variant) cell = td;
      });
      if (t === null) return;
      out.push({ x: t, lift: cell ? number(cell.dataset.lift) : null,
                 low: cell ? number(cell.dataset.low) : null, high: cell ? number(cell.dataset.high) : null });
    });
    return out;
  }

  /* The events that concern this variant: its own alerts, the
   * experiment's, and every action. */
  function events(variant) {
    var out = [];
    document.querySelectorAll('li.event').forEach(function (li) {
      var at = number(li.dataset.at), v = li.dataset.variant;
      if (at === null) return;
      if (li.dataset.kind !== 'action' && v !== undefined && v !== variant) return;
      out.push({ x: at, kind: li.dataset.kind, label: li.dataset.rule || '' });
    });
    return out;
  }

  /* Vertical lines where an alert fired or resolved and an action ran. */
  var markers = {
    id: 'midaMarkers',
    afterDatasetsDraw: function (chart) {
      var list = chart.options.plugins.midaMarkers.events, x = chart.scales.x, area = chart.chartArea;
      var ctx = chart.ctx;
      list.forEach(function (e) {
        var px = x.getPixelForValue(e.x);
        if (px < area.left - 1 || px > area.right + 1) return;
        ctx.save();
        ctx.strokeStyle = COLORS[e.kind] || COLORS.zero;
        ctx.lineWidth = 1.5;
        ctx.setLineDash(e.kind === 'resolved' ? [4, 3] : []);
        ctx.beginPath();
        ctx.moveTo(px, area.top);
        ctx.lineTo(px, area.bottom);
        ctx.stroke();
        ctx.restore();
      });
    }
  };

  function draw(canvas) {
    var variant = canvas.dataset.variant, polls = series(variant), evs = events(variant);
    var xs = polls.map(function (p) { return p.x; }).concat(evs.map(function (e) { return e.x; }));
    var min = Math.min.apply(null, xs), max = Math.max.apply(null, xs);
    var point = function (key) {
      return polls.map(function (p) { return { x: p.x, y: p[key] }; });
    };

    /* A margin, so that a marker on the first or last poll shows. */
    var pad = min === max ? 3600 : (max - min) * 0.02;
    min -= pad;
    max += pad;
    new Chart(canvas, {
      type: 'line',
      data: {
        datasets: [
          { label: 'interval low', data: point('low'), borderWidth: 0, pointRadius: 0, fill: false },
          { label: 'always-valid interval', data: point('high'), borderWidth: 0, pointRadius: 0,
            backgroundColor: COLORS.band, fill: '-1' },
          { label: 'lift', data: point('lift'), borderColor: COLORS.line, backgroundColor: COLORS.line,
            borderWidth: 2, pointRadius: polls.length > 200 ? 0 : 2, fill: false },
          { label: 'zero', data: [{ x: min, y: 0 }, { x: max, y: 0 }], borderColor: COLORS.zero,
            borderWidth: 1, borderDash: [6, 4], pointRadius: 0, fill: false }
        ]
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        parsing: false,
        normalized: true,
        interaction: { mode: 'nearest', axis: 'x', intersect: false },
        scales: {
          x: { type: 'linear', min: min, max: max, ticks: { maxTicksLimit: 8, callback: ticksFor(max - min) } },
          y: { ticks: { callback: percent } }
        },
        plugins: {
          legend: { labels: { filter: function (item) { return item.text === 'lift' || item.text === 'always-valid interval'; } } },
          tooltip: {
            filter: function (item) { return item.dataset.label === 'lift'; },
            callbacks: {
              title: function (items) { return items.length ? when(items[0].parsed.x) + ' UTC' : ''; },
              label: function (item) {
                var p = polls[item.dataIndex];
                return 'lift ' + percent(p.lift) + '  [' + percent(p.low) + ', ' + percent(p.high) + ']';
              }
            }
          },
          midaMarkers: { events: evs }
        }
      },
      plugins: [markers]
    });
    canvas.dataset.points = String(polls.length);
  }

  function start() {
    var canvases = document.querySelectorAll('canvas.lift-chart');
    if (typeof Chart === 'undefined') {
      document.body.dataset.charts = 'unavailable';
      return;
    }
    canvases.forEach(draw);
    document.body.dataset.charts = 'ready';
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
