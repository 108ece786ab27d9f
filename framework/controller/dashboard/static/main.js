/**
 * The dashboard page: connects, subscribes to the model's status and log streams,
 * and redraws at most once per animation frame however fast pushes arrive (a
 * 1,000-unit model pushes a large status often). Nothing here reloads the page.
 */
import { Connection } from './connection.js';
import { AppsView } from './apps.js';
import { DetailsView } from './details.js';
import { clock, h, setStatus, setText } from './dom.js';
import { GraphView } from './graph.js';
import { LogView } from './logs.js';
import { allUnitNames } from './model.js';
import { describeModelState, plural } from './status-style.js';

const $ = (id) => document.getElementById(id);
const DEPLOY_HINT = 'tsops deploy bundles/slurm-cluster.yaml';
/** How often to look again for a model that does not exist yet. */
const MODEL_POLL_MS = 3000;
/** How often to refresh the model picker (models come and go with `tsops models add`). */
const MODELS_REFRESH_MS = 10_000;

const state = {
  model: new URLSearchParams(location.search).get('model') ?? '',
  status: undefined,
  pendingStatus: undefined,
  frame: 0,
  stops: [],
  generation: 0,
  renders: 0,
};

const conn = new Connection({ onOpen: () => void start(), onState: showConnection });
const apps = new AppsView($('apps'), (unit) => details.open(unit, state.status));
const graph = new GraphView($('graph'), (app) =>
  document.querySelector(`.app[data-app="${CSS.escape(app)}"]`)?.scrollIntoView({ block: 'nearest' }),
);
const logs = new LogView($('logs'), $('log-unit'), $('log-level'), $('log-count'));
const details = new DetailsView($('details'), conn, () => state.model);

function showConnection(s, detail) {
  document.body.dataset.connection = s;
  const banner = $('banner');
  banner.hidden = s === 'live';
  if (s === 'reconnecting') setText(banner, `Disconnected from the controller — reconnecting (${detail})…`);
  if (s === 'expired')
    setText(banner, "This dashboard session has ended. Run 'tsops dashboard' for a new link.");
}

/** Coalesce: keep only the newest status and draw it on the next frame. */
function schedule() {
  if (state.frame) return;
  state.frame = requestAnimationFrame(() => {
    state.frame = 0;
    render();
  });
}

function render() {
  state.renders++;
  document.body.dataset.renders = String(state.renders);
  if (state.pendingStatus !== undefined) {
    state.status = state.pendingStatus;
    state.pendingStatus = undefined;
    renderStatus(state.status);
  }
  logs.render();
}

function renderStatus(status) {
  const { state: st, text } = describeModelState(status.model);
  setStatus($('model-state'), st, text);
  const names = Object.keys(status.applications);
  const units = allUnitNames(status).length;
  const counts = [
    plural(names.length, 'application'),
    plural(units, 'unit'),
    plural(status.relations.length, 'relation'),
  ];
  setText($('model-summary'), `${counts.join(' · ')} · updated ${clock(status.model.timestamp)}`);
  showEmpty(names.length === 0 ? `Model '${state.model}' has no applications yet.` : '');
  apps.update(status);
  graph.update(status);
  logs.setUnits(status);
  details.update(status);
}

/** The empty state: what the model lacks and the command that fills it. */
function showEmpty(why) {
  $('empty').hidden = why === '';
  $('content').hidden = why !== '';
  if (why === '') return;
  setText($('empty-why'), why);
  setText($('empty-command'), `${DEPLOY_HINT} -m ${state.model}`);
}

/**
 * Subscribe to the chosen model. Each call supersedes the ones before it (another
 * model was picked, the socket reconnected): their late pushes are dropped.
 */
async function start() {
  const gen = ++state.generation;
  for (const stop of state.stops.splice(0)) stop();
  const models = await conn.call('models.list').catch(() => []);
  if (gen !== state.generation) return;
  if (state.model === '')
    state.model = models.find((m) => m.name === 'default')?.name ?? models[0]?.name ?? 'default';
  renderPicker(models);
  try {
    await follow(gen, 'status', { model: state.model }, (status) => {
      state.pendingStatus = status;
      schedule();
    });
    await follow(gen, 'log', { model: state.model, lines: 500 }, (line) => {
      logs.add(line);
      schedule();
    });
  } catch (err) {
    if (gen !== state.generation || err.code === 'closed') return; // superseded, or reconnecting
    if (err.code !== 'not-found') return setStatus($('model-state'), 'error', err.message);
    setStatus($('model-state'), 'unknown', 'no such model yet');
    showEmpty(`There is no model '${state.model}' yet.`);
    setTimeout(() => gen === state.generation && void start(), MODEL_POLL_MS);
  }
}

/** One subscription for start() call `gen`; dropped at once if a newer call came first. */
async function follow(gen, stream, params, onData) {
  const stop = await conn.subscribe(stream, params, (data) => gen === state.generation && onData(data));
  if (gen === state.generation) state.stops.push(stop);
  else stop();
}

/** The model's name, or a picker when there are several (the chosen one listed even if not made yet). */
function renderPicker(models) {
  const names = models.map((m) => m.name);
  if (!names.includes(state.model)) names.push(state.model);
  const picker = $('model-picker');
  picker.hidden = names.length < 2;
  $('model-name').hidden = !picker.hidden;
  setText($('model-name'), state.model);
  const key = names.join(',');
  if (picker.dataset.models !== key) {
    picker.dataset.models = key;
    picker.replaceChildren(...names.map((name) => h('option', { value: name }, name)));
  }
  picker.value = state.model;
}

$('model-picker').addEventListener('change', (ev) => {
  state.model = ev.target.value;
  history.replaceState(null, '', `/?model=${encodeURIComponent(state.model)}`);
  state.status = undefined;
  state.pendingStatus = undefined;
  logs.reset();
  details.close();
  void start();
});
$('empty-copy').addEventListener('click', () =>
  navigator.clipboard?.writeText($('empty-command').textContent),
);

setInterval(() => {
  if (document.body.dataset.connection === 'live') conn.call('models.list').then(renderPicker, () => {});
}, MODELS_REFRESH_MS);
conn.start();
