// @ts-check
/* global uPlot, window, document, fetch, setTimeout, URLSearchParams, Option */
// The live view's page: polls the JSON API (../src/api.ts, whose types this file checks against)
// and draws with uPlot. Plain JavaScript with JSDoc types, served as is: no bundler.

/** @typedef {import('../src/api.js').Overview} Overview */
/** @typedef {import('../src/api.js').TaskWithSites} TaskWithSites */
/** @typedef {import('../src/api.js').SeriesAnswer} SeriesAnswer */
/** @typedef {import('../src/api.js').TaskErrors} TaskErrors */
/** @typedef {import('../src/api.js').GradCosine} GradCosine */
/** @typedef {import('../src/api.js').EdgeNodes} EdgeNodes */

/**
 * One task's card: its selection and charts.
 * @typedef {{
 *   view: TaskWithSites,
 *   site: string | null,
 *   horizon: number,
 *   siteSelect: HTMLSelectElement,
 *   main: uPlot,
 *   state: uPlot | null,
 *   errors: uPlot,
 *   summary: HTMLElement,
 * }} Card
 */

const POLL_MS = 1500;
/**
 * Charts of actuals and forecasts follow every poll; the rolling errors (which move slowly) and the
 * edge nodes every ERRORS_EVERY polls, the overview (version, sites) and the training curves every OVERVIEW_EVERY:
 * an embedded database (PGlite) answers the services too, one query at a time.
 */
const ERRORS_EVERY = 3;
const OVERVIEW_EVERY = 6;

const COLOR = {
  actual: '#1f2937',
  forecast: '#1f77b4',
  band: 'rgba(31, 119, 180, 0.18)',
  bandEdge: 'rgba(31, 119, 180, 0.45)',
  baseline: '#ff7f0e',
  anomaly: '#d62728',
};
const CLASS_COLORS = ['#8c8c8c', '#9467bd', '#17becf', '#e377c2', '#bcbd22'];
const WHOLE_INCREMENTS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000];
const PAIR_COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];

/** What tests read: every chart by id ("<task>:main", "<task>:state", "<task>:errors", "cosine"), the edge nodes drawn, and completed polls. */
const hooks = {
  /** @type {Record<string, uPlot>} */
  charts: {},
  /** @type {EdgeNodes | null} */
  edgeNodes: null,
  polls: 0,
  /** @type {string | null} */
  lastError: null,
};
Object.assign(window, { hsLiveView: hooks });

/** @type {Map<string, Card>} */
const cards = new Map();
/** @type {Overview | null} */
let overview = null;
/** @type {{ chart: uPlot, key: string } | null} */
let cosine = null;

/** @param {Date} date */
const utc = (date) => uPlot.tzDate(date, 'Etc/UTC');
/** @param {number} ts seconds */
const tzDate = (ts) => utc(new Date(ts * 1000));

/** @param {number | null | undefined} v */
function fmt(v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  return Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3);
}

/** @param {number | null | undefined} v */
const pct = (v) => (v === null || v === undefined ? '–' : `${(v * 100).toFixed(1)} %`);

/**
 * @template T
 * @param {string} path
 * @param {Record<string, string | number>} [params]
 * @returns {Promise<T>}
 */
async function getJson(path, params = {}) {
  const query = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString();
  const res = await fetch(query ? `${path}?${query}` : path);
  const body = await res.json();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${body && typeof body.error === 'string' ? body.error : ''}`);
  return /** @type {T} */ (body);
}

/**
 * @param {string} tag
 * @param {string} [className]
 * @param {string} [text]
 */
function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * A uPlot chart in `parent`, as wide as it, registered for tests under `id`.
 * @param {string} id
 * @param {HTMLElement} parent
 * @param {Omit<uPlot.Options, 'width'>} opts
 */
function chart(id, parent, opts) {
  const holder = el('div', 'chart');
  parent.append(holder);
  const empty = /** @type {uPlot.AlignedData} */ (opts.series.map(() => /** @type {number[]} */ ([])));
  const plot = new uPlot({ ...opts, width: Math.max(300, holder.clientWidth) }, empty, holder);
  hooks.charts[id] = plot;
  return plot;
}

/** A y range from 0 to a little above the largest value (errors are never negative). @type {uPlot.Range.Function} */
const fromZero = (_u, _min, max) => [0, Number.isFinite(max) && max > 0 ? max * 1.1 : 1];

/** @param {string} label */
const timeAxis = (label = 'time (UTC)') => ({ label, labelSize: 18 });

/**
 * @param {HTMLElement} parent
 * @param {string} text
 */
const title = (parent, text) => parent.append(el('div', 'chart-title', text));

/** @param {TaskWithSites} view */
function buildCard(view) {
  const section = el('section', 'card task');
  section.dataset.task = view.task;
  const head = el('div', 'card-head');
  const name = el('div');
  name.append(el('h2', '', view.task.replace('_', ' ')), el('p', 'desc', view.description));
  const controls = el('div', 'controls');
  const siteLabel = el('label', '', 'site');
  const siteSelect = /** @type {HTMLSelectElement} */ (el('select'));
  siteSelect.name = `${view.task}-site`;
  siteLabel.append(siteSelect);
  controls.append(siteLabel);
  head.append(name, controls);
  section.append(head);
  document.getElementById('tasks')?.append(section);

  const regression = view.kind === 'regression';
  const unit = view.unit ? ` (${view.unit})` : '';
  /** @type {Card} */
  const card = {
    view,
    site: null,
    horizon: view.horizons[0] ?? 0,
    siteSelect,
    main: /** @type {uPlot} */ (/** @type {unknown} */ (null)),
    state: null,
    errors: /** @type {uPlot} */ (/** @type {unknown} */ (null)),
    summary: el('p', 'summary', 'waiting for data…'),
  };

  if (regression) {
    const horizonLabel = el('label', '', 'horizon');
    const horizonSelect = /** @type {HTMLSelectElement} */ (el('select'));
    horizonSelect.name = `${view.task}-horizon`;
    for (const h of view.horizons) horizonSelect.append(new Option(`${h} step${h === 1 ? '' : 's'} ahead`, String(h)));
    horizonSelect.addEventListener('change', () => {
      card.horizon = Number(horizonSelect.value);
      void refreshCard(card);
    });
    horizonLabel.append(horizonSelect);
    controls.append(horizonLabel);
    title(section, `Actuals, forecast and 80 % interval — ${view.metric}${unit}`);
    card.main = chart(`${view.task}:main`, section, {
      height: 220,
      tzDate,
      series: [
        { label: 'time' },
        { label: `actual ${view.metric}`, stroke: COLOR.actual, width: 1.5 },
        { label: 'forecast', stroke: COLOR.forecast, width: 1.5 },
        { label: 'interval low', stroke: COLOR.bandEdge, width: 1 },
        { label: 'interval high', stroke: COLOR.bandEdge, width: 1 },
      ],
      bands: [{ series: [4, 3], fill: COLOR.band }],
      axes: [timeAxis(), { label: `${view.metric}${unit}`, labelSize: 18 }],
    });
    title(section, `Rolling MAE of served forecasts vs persistence (all sites and horizons)`);
    card.errors = chart(`${view.task}:errors`, section, {
      height: 150,
      tzDate,
      series: [
        { label: 'target time' },
        { label: 'model MAE', stroke: COLOR.forecast, width: 1.5 },
        { label: 'persistence MAE', stroke: COLOR.baseline, width: 1.5, dash: [6, 4] },
      ],
      scales: { y: { range: fromZero } },
      axes: [timeAxis('target time (UTC)'), { label: 'MAE', labelSize: 18 }],
    });
  } else {
    const classes = view.classes ?? [];
    title(section, 'Class probabilities and anomaly score');
    card.main = chart(`${view.task}:main`, section, {
      height: 200,
      tzDate,
      scales: { y: { range: [0, 1] } },
      series: [
        { label: 'time' },
        ...classes.map((c, i) => ({ label: `P(${c})`, stroke: CLASS_COLORS[i % CLASS_COLORS.length], width: i === 0 ? 1 : 1.5 })),
        { label: 'anomaly score', stroke: COLOR.anomaly, width: 1.5, dash: [5, 4] },
      ],
      axes: [timeAxis(), { label: 'probability / score', labelSize: 18 }],
    });
    title(section, `Machine state: label (${view.metric}) vs predicted class`);
    const stepped = uPlot.paths.stepped?.({ align: 1 });
    card.state = chart(`${view.task}:state`, section, {
      height: 130,
      tzDate,
      scales: { y: { range: [-0.3, Math.max(1, classes.length - 1) + 0.3] } },
      series: [
        { label: 'time' },
        { label: 'actual', stroke: COLOR.actual, width: 2, ...(stepped ? { paths: stepped } : {}) },
        { label: 'predicted', stroke: COLOR.forecast, width: 1.5, dash: [5, 3], ...(stepped ? { paths: stepped } : {}) },
      ],
      axes: [
        timeAxis(),
        {
          label: 'class',
          labelSize: 18,
          size: 70,
          splits: () => classes.map((_, i) => i),
          values: (_u, splits) => splits.map((v) => classes[v] ?? ''),
        },
      ],
    });
    title(section, 'Rolling error rate of served predictions vs always-normal');
    card.errors = chart(`${view.task}:errors`, section, {
      height: 150,
      tzDate,
      scales: { y: { range: [0, 1] } },
      series: [
        { label: 'target time' },
        { label: 'model error rate', stroke: COLOR.forecast, width: 1.5 },
        { label: 'always-normal error rate', stroke: COLOR.baseline, width: 1.5, dash: [6, 4] },
      ],
      axes: [timeAxis('target time (UTC)'), { label: 'error rate', labelSize: 18 }],
    });
  }
  section.append(card.summary);
  siteSelect.addEventListener('change', () => {
    card.site = siteSelect.value;
    void refreshCard(card);
  });
  cards.set(view.task, card);
  return card;
}

/** Keeps the site list current and the chosen site chosen (the first site until one is picked). */
function updateSites(/** @type {Card} */ card, /** @type {TaskWithSites} */ view) {
  card.view = view;
  const current = [...card.siteSelect.options].map((o) => o.value);
  if (current.join('\n') !== view.sites.join('\n')) {
    card.siteSelect.replaceChildren(...view.sites.map((s) => new Option(s, s)));
  }
  if (card.site === null || !view.sites.includes(card.site)) card.site = view.sites[0] ?? null;
  if (card.site !== null) card.siteSelect.value = card.site;
  card.siteSelect.disabled = view.sites.length === 0;
}

/** @param {number[]} ms */
const seconds = (ms) => ms.map((t) => t / 1000);

/**
 * @param {Card} card
 * @param {SeriesAnswer} series
 */
function drawSeries(card, series) {
  const p = series.points;
  if (series.kind === 'regression') {
    card.main.setData([seconds(p.time), series.points.actual, series.points.value, series.points.lower, series.points.upper]);
    return;
  }
  const c = series.points;
  card.main.setData([seconds(c.time), ...series.classes.map((k) => c.probabilities[k] ?? []), c.anomaly]);
  card.state?.setData([seconds(c.time), c.actual, c.predicted]);
}

/**
 * @param {Card} card
 * @param {TaskErrors} errors
 */
function drawErrors(card, errors) {
  const window = `over ${errors.window_steps}-step windows`;
  if (errors.metric === 'mae') {
    card.errors.setData([seconds(errors.points.time), errors.points.model, errors.points.persistence]);
    const { n, model, persistence, difference, verdict } = errors.summary;
    if (n === 0 || model === null || persistence === null) {
      card.summary.textContent = 'no scored forecasts yet (a target needs its actual)';
      return;
    }
    const change = persistence === 0 ? 0 : (model - persistence) / persistence;
    const relative = el('span', change <= 0 ? 'better' : 'worse', `${change <= 0 ? '' : '+'}${(change * 100).toFixed(1)} %`);
    // The server's reading of the paired difference (scores.ts maeVerdict): beyond 2 standard errors, or not.
    const told = verdict === 'better' || verdict === 'worse' ? `${verdict} than persistence beyond noise` : verdict;
    const band = difference && difference.se !== null ? `: ${fmt(difference.mean)} ± ${fmt(2 * difference.se)} over ${difference.clusters} target times` : '';
    card.summary.replaceChildren(`MAE ${fmt(model)} vs persistence ${fmt(persistence)} (`, relative, `) on ${n} scored forecasts, ${told}${band}; chart ${window}`);
    return;
  }
  card.errors.setData([seconds(errors.points.time), errors.points.model_error, errors.points.baseline_error]);
  const { n, model, baseline } = errors.summary;
  if (n === 0) {
    card.summary.textContent = 'no scored predictions yet (needs labels)';
    return;
  }
  const better = (model.error_rate ?? 1) <= (baseline.error_rate ?? 1);
  card.summary.replaceChildren(
    'error rate ',
    el('span', better ? 'better' : 'worse', pct(model.error_rate)),
    ` vs always-normal ${pct(baseline.error_rate)}; macro-F1 ${fmt(model.macro_f1)} vs ${fmt(baseline.macro_f1)} on ${n} labelled predictions; chart ${window}`,
  );
}

/**
 * @param {Card} card
 * @param {boolean} [withErrors] also the task's rolling errors
 */
async function refreshCard(card, withErrors = false) {
  const { site, horizon } = card;
  const task = card.view.task;
  /** @type {Promise<SeriesAnswer | null>} */
  const series = site === null ? Promise.resolve(null) : getJson('/api/series', card.view.kind === 'regression' ? { task, site, horizon } : { task, site });
  /** @type {Promise<TaskErrors | null>} */
  const errors = withErrors ? getJson('/api/errors', { task }) : Promise.resolve(null);
  const [s, e] = await Promise.all([series, errors]);
  // A newer choice of site or horizon made while these were on their way wins.
  if (s && card.site === site && card.horizon === horizon) drawSeries(card, s);
  if (e) drawErrors(card, e);
}

/** @param {GradCosine} answer */
function drawCosine(answer) {
  const key = `${answer.kind}|${answer.points.pairs.map((p) => p.tasks.join('~')).join(',')}`;
  const sub = document.getElementById('cosine-sub');
  if (sub) sub.textContent = answer.version ? `(shared encoder of ${answer.version}, by training ${answer.kind ?? 'step'})` : '(no model version yet)';
  if (!cosine || cosine.key !== key) {
    const parent = /** @type {HTMLElement} */ (document.getElementById('cosine-chart'));
    parent.replaceChildren();
    const plot = chart('cosine', parent, {
      height: 220,
      scales: { x: { time: false }, y: { range: [-1, 1] } },
      series: [
        { label: answer.kind === 'epoch' ? 'epoch' : 'step' },
        ...answer.points.pairs.map((p, i) => ({ label: `${p.tasks[0]} · ${p.tasks[1]}`, stroke: PAIR_COLORS[i % PAIR_COLORS.length], width: 1.5, points: { show: false } })),
      ],
      // Whole steps only (uPlot would also tick at 2.5).
      axes: [{ label: answer.kind === 'epoch' ? 'epoch' : 'training step', labelSize: 18, incrs: WHOLE_INCREMENTS }, { label: 'gradient cosine', labelSize: 18 }],
    });
    cosine = { chart: plot, key };
  }
  cosine.chart.setData([answer.points.x, ...answer.points.pairs.map((p) => p.cosine)]);
}

/** @param {number} ms */
function ago(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} days`;
}

/** The edge nodes card: one row per node and device, shown once ingest has recorded one. @param {EdgeNodes} answer */
function drawEdgeNodes(answer) {
  hooks.edgeNodes = answer;
  const card = document.getElementById('edge-nodes');
  const body = document.getElementById('edge-nodes-rows');
  if (!card || !body) return;
  card.hidden = answer.total === 0;
  const sub = document.getElementById('edge-nodes-sub');
  const shown = answer.nodes.length < answer.total ? `, ${answer.nodes.length} shown (offline first)` : '';
  if (sub) sub.textContent = `(${answer.online} of ${answer.total} online${shown})`;
  body.replaceChildren(
    ...answer.nodes.map((n) => {
      const row = el('tr');
      row.dataset.node = `${n.group}/${n.node}${n.device === null ? '' : `/${n.device}`}`;
      const state = el('td', n.online ? 'online' : 'offline', n.online ? 'online' : 'offline');
      state.title = `${n.cause}, ${n.source}`;
      row.append(
        el('td', '', n.group),
        el('td', '', n.node),
        el('td', '', n.device ?? '–'),
        el('td', '', n.site),
        state,
        el('td', '', `${new Date(n.since_ms).toISOString().slice(0, 19).replace('T', ' ')} (${ago(answer.now_ms - n.since_ms)} ago)`),
        el('td', '', n.bd_seq === null ? '–' : String(n.bd_seq)),
      );
      return row;
    }),
  );
}

/** @param {Overview} next */
function applyOverview(next) {
  overview = next;
  for (const view of next.tasks) updateSites(cards.get(view.task) ?? buildCard(view), view);
  const version = document.getElementById('version');
  if (version) {
    const v = next.version;
    version.textContent = v ? `model ${v.version} (${v.source === 'active' ? 'active' : `newest, ${v.status}`}) · ${v.strategy} · ${v.regime}` : 'model: none trained yet';
  }
}

/** @param {boolean} ok @param {string} text */
function setStatus(ok, text) {
  const status = document.getElementById('status');
  if (!status) return;
  status.className = `meta status ${ok ? 'ok' : 'down'}`;
  status.textContent = text;
}

async function poll() {
  const full = overview === null || hooks.polls % OVERVIEW_EVERY === 0;
  if (full) applyOverview(await getJson('/api/overview'));
  const withErrors = hooks.polls % ERRORS_EVERY === 0;
  /** @type {Promise<void>[]} */
  const work = [...cards.values()].map((card) => refreshCard(card, withErrors));
  if (full) work.push(getJson('/api/grad-cosine').then((a) => drawCosine(/** @type {GradCosine} */ (a))));
  if (withErrors) work.push(getJson('/api/edge-nodes').then((a) => drawEdgeNodes(/** @type {EdgeNodes} */ (a))));
  await Promise.all(work);
}

async function loop() {
  try {
    await poll();
    hooks.polls++;
    hooks.lastError = null;
    setStatus(true, `live · updated ${utc(new Date()).toTimeString().slice(0, 8)} UTC · every ${POLL_MS / 1000} s`);
  } catch (error) {
    // Shown, not thrown: the next poll tries again (the server may be restarting).
    hooks.lastError = String(error);
    setStatus(false, `not updating: ${hooks.lastError}`);
  }
  setTimeout(() => void loop(), POLL_MS);
}

window.addEventListener('resize', () => {
  for (const plot of Object.values(hooks.charts)) {
    const holder = plot.root.parentElement;
    if (holder) plot.setSize({ width: Math.max(300, holder.clientWidth), height: plot.height });
  }
});

void loop();
