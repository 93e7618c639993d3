// Charts of the figures an answer rests on, drawn as SVG by hand (no library).
//
// They read the `series` of each tool call in the answer's working (see docs/console.md):
//
//   "series": [ { "platform": "googleAds", "metric": "spend", "unit": "money", "currency": "USD",
//                 "granularity": "week",
//                 "points": [ { "start": "2026-11-02", "end": "2026-11-08", "value": 1234.56 }, … ] } ]
//
// `get_timeseries` gives one series of its buckets, oldest first (a line); `compare_periods` one
// series per platform and metric with two points, the previous period then the current one
// (paired bars, each metric on its own scale, since metrics of different units share no axis).
// A value is `null` where the bucket has no figures. No series, no chart: nothing is made up.

import { h, s } from './dom.js';
import { formatBucket, formatRange, formatShortDay, formatValue, metricName, platformName } from './format.js';

const WIDTH = 360;
const HEIGHT = 200;
const MARGIN = { top: 14, right: 14, bottom: 30, left: 56 };

let uid = 0;
function nextId(prefix) {
  uid += 1;
  return `${prefix}-${uid}`;
}

/** A round step for about `count` ticks over `span`. */
function niceStep(span, count) {
  const raw = span / Math.max(count, 1);
  const power = 10 ** Math.floor(Math.log10(raw || 1));
  const scaled = raw / power;
  const nice = scaled <= 1 ? 1 : scaled <= 2 ? 2 : scaled <= 2.5 ? 2.5 : scaled <= 5 ? 5 : 10;
  return nice * power;
}

function ticks(min, max, count = 4) {
  if (min === max) {
    max = min === 0 ? 1 : min + Math.abs(min);
  }
  const step = niceStep(max - min, count);
  const first = Math.floor(min / step) * step;
  const values = [];
  for (let v = first; v <= max + step * 0.5; v += step) values.push(Number(v.toPrecision(12)));
  return values;
}

function valueText(series, value) {
  return formatValue(value, series.unit, series.currency);
}

/** `Google Ads spend`, `Meta Ads CTR`: the metric's name in lower case unless it is an acronym. */
function seriesTitle(series) {
  const metric = metricName(series.metric);
  const acronym = metric.length > 1 && metric[1] === metric[1].toUpperCase();
  return `${platformName(series.platform)} ${acronym ? metric : metric[0].toLowerCase() + metric.slice(1)}`;
}

/** A table of the figures, for screen readers and for anyone who wants the numbers. */
function figuresTable(caption, header, rows) {
  return h(
    'details',
    { class: 'chart-figures' },
    h('summary', {}, 'Figures'),
    h(
      'table',
      {},
      h('caption', { class: 'visually-hidden' }, caption),
      h('thead', {}, h('tr', {}, header.map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c, i) => (i === 0 ? h('th', { scope: 'row' }, c) : h('td', {}, c)))))),
    ),
  );
}

/** A line chart of one time series. */
export function timeseriesChart(series) {
  const points = series.points ?? [];
  const values = points.map((p) => p.value).filter((v) => typeof v === 'number');
  const first = points[0];
  const last = points[points.length - 1];
  const period = first && last ? formatRange({ start: first.start, end: last.end }) : '';
  const by = series.granularity ? ` by ${series.granularity}` : '';
  const title = `${seriesTitle(series)}${by}, ${period}`;
  const titleId = nextId('chart-title');
  const descId = nextId('chart-desc');

  const min = Math.min(0, ...values);
  const max = Math.max(0, ...values);
  const yTicks = ticks(min, max);
  const yMin = yTicks[0];
  const yMax = yTicks[yTicks.length - 1];
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (i) => MARGIN.left + (points.length <= 1 ? plotW / 2 : (i / (points.length - 1)) * plotW);
  const y = (v) => MARGIN.top + plotH - ((v - yMin) / (yMax - yMin || 1)) * plotH;

  // The line breaks where a bucket has no figures.
  let d = '';
  let pen = false;
  points.forEach((p, i) => {
    if (typeof p.value !== 'number') {
      pen = false;
      return;
    }
    d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(p.value).toFixed(1)}`;
    pen = true;
  });

  const labelEvery = Math.max(1, Math.ceil(points.length / 4));
  const highest = points.reduce((a, p) => (typeof p.value === 'number' && (!a || p.value > a.value) ? p : a), null);
  const lowest = points.reduce((a, p) => (typeof p.value === 'number' && (!a || p.value < a.value) ? p : a), null);
  const summary = highest
    ? `Highest ${valueText(series, highest.value)} (${formatBucket(highest, series.granularity)}), lowest ${valueText(series, lowest.value)} (${formatBucket(lowest, series.granularity)}), ${points.length} points.`
    : 'No figures in this period.';

  const svg = s(
    'svg',
    {
      class: 'chart chart--line',
      viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
      role: 'img',
      'aria-labelledby': `${titleId} ${descId}`,
    },
    s('title', { id: titleId }, title),
    s('desc', { id: descId }, summary),
    yTicks.map((t) =>
      s(
        'g',
        {},
        s('line', { class: 'chart-grid', x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y(t), y2: y(t) }),
        s(
          'text',
          { class: 'chart-label', x: MARGIN.left - 6, y: y(t) + 4, 'text-anchor': 'end' },
          formatValue(t, series.unit, series.currency, { compact: true }),
        ),
      ),
    ),
    points.map((p, i) =>
      i % labelEvery === 0 || i === points.length - 1
        ? s(
            'text',
            {
              class: 'chart-label',
              x: x(i),
              y: HEIGHT - 10,
              // The first and last labels stay inside the chart.
              'text-anchor': points.length > 1 && i === 0 ? 'start' : i === points.length - 1 && i > 0 ? 'end' : 'middle',
            },
            series.granularity === 'month' ? formatBucket(p, 'month').split(' ')[0] : formatShortDay(p.start),
          )
        : null,
    ),
    s('path', { class: 'chart-line', d }),
    points.map((p, i) =>
      typeof p.value === 'number'
        ? s(
            'circle',
            { class: 'chart-dot', cx: x(i), cy: y(p.value), r: points.length > 40 ? 1.5 : 3 },
            s('title', {}, `${formatBucket(p, series.granularity)}: ${valueText(series, p.value)}`),
          )
        : null,
    ),
  );
  return h(
    'figure',
    { class: 'chart-figure', 'data-chart': 'timeseries' },
    svg,
    h('figcaption', {}, title),
    figuresTable(
      title,
      [series.granularity ? `${series.granularity[0].toUpperCase()}${series.granularity.slice(1)}` : 'Period', metricName(series.metric)],
      points.map((p) => [formatBucket(p, series.granularity), valueText(series, p.value)]),
    ),
  );
}

function percentChange(previous, current) {
  if (typeof previous !== 'number' || typeof current !== 'number' || previous === 0) return null;
  return ((current - previous) / Math.abs(previous)) * 100;
}

/** Paired bars: each metric of a comparison in the previous and the current period. */
export function comparisonChart(seriesList) {
  const rows = seriesList.filter((series) => (series.points ?? []).length === 2);
  if (!rows.length) return null;
  const [previousRange, currentRange] = rows[0].points;
  const title = `${formatRange(currentRange)} compared with ${formatRange(previousRange)}`;
  const titleId = nextId('chart-title');
  const descId = nextId('chart-desc');
  const rowH = 48;
  const head = 54;
  const height = rows.length * rowH + head;
  const plotX = 8;
  const plotW = WIDTH - plotX - 100;

  const describe = rows.map((series) => {
    const [prev, cur] = series.points;
    const change = percentChange(prev.value, cur.value);
    const changeText = change === null ? '' : `, ${change >= 0 ? 'up' : 'down'} ${Math.abs(change).toFixed(1)}%`;
    return `${seriesTitle(series)}: ${valueText(series, cur.value)} vs ${valueText(series, prev.value)}${changeText}`;
  });

  const bars = rows.map((series, i) => {
    const [prev, cur] = series.points;
    const top = head + i * rowH;
    const max = Math.max(Math.abs(prev.value ?? 0), Math.abs(cur.value ?? 0)) || 1;
    const width = (v) => (typeof v === 'number' ? Math.max(1, (Math.abs(v) / max) * plotW) : 0);
    return s(
      'g',
      { class: 'chart-row' },
      s('text', { class: 'chart-row-label', x: plotX, y: top - 4 }, seriesTitle(series)),
      s('rect', { class: 'chart-bar chart-bar--previous', x: plotX, y: top, width: width(prev.value), height: 12, rx: 2 }),
      s('text', { class: 'chart-label', x: plotX + width(prev.value) + 6, y: top + 10 }, valueText(series, prev.value)),
      s('rect', { class: 'chart-bar chart-bar--current', x: plotX, y: top + 15, width: width(cur.value), height: 12, rx: 2 }),
      s('text', { class: 'chart-label chart-label--strong', x: plotX + width(cur.value) + 6, y: top + 25 }, valueText(series, cur.value)),
    );
  });

  const svg = s(
    'svg',
    { class: 'chart chart--bars', viewBox: `0 0 ${WIDTH} ${height}`, role: 'img', 'aria-labelledby': `${titleId} ${descId}` },
    s('title', { id: titleId }, title),
    s('desc', { id: descId }, describe.join('; ')),
    s('rect', { class: 'chart-bar chart-bar--previous', x: plotX, y: 6, width: 10, height: 10, rx: 2 }),
    s('text', { class: 'chart-label', x: plotX + 14, y: 15 }, `before: ${formatRange(previousRange)}`),
    s('rect', { class: 'chart-bar chart-bar--current', x: plotX, y: 21, width: 10, height: 10, rx: 2 }),
    s('text', { class: 'chart-label', x: plotX + 14, y: 30 }, `now: ${formatRange(currentRange)}`),
    bars,
  );
  return h(
    'figure',
    { class: 'chart-figure', 'data-chart': 'comparison' },
    svg,
    h('figcaption', {}, title),
    figuresTable(
      title,
      ['Metric', formatRange(previousRange), formatRange(currentRange), 'Change'],
      rows.map((series) => {
        const [prev, cur] = series.points;
        const change = percentChange(prev.value, cur.value);
        return [
          seriesTitle(series),
          valueText(series, prev.value),
          valueText(series, cur.value),
          change === null ? '—' : `${change >= 0 ? '+' : '−'}${Math.abs(change).toFixed(1)}%`,
        ];
      }),
    ),
  );
}

/** The charts for an answer's working: one per time series, one per comparison. */
export function chartsFor(working) {
  const charts = [];
  for (const tool of working?.tools ?? []) {
    const series = Array.isArray(tool.series) ? tool.series : [];
    if (tool.error || !series.length) continue;
    if (tool.name === 'get_timeseries') {
      for (const one of series) if ((one.points ?? []).length) charts.push(timeseriesChart(one));
    } else if (tool.name === 'compare_periods') {
      const chart = comparisonChart(series);
      if (chart) charts.push(chart);
    }
  }
  return charts;
}
