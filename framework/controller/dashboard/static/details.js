/**
 * A unit's details: its relation data per relation (the remote application's
 * databag, this unit's, each related unit's) and its recent hooks. Read through
 * `show-unit`, which returns databags only: secrets travel in them as ids, and
 * their contents never leave the controller.
 */
import { clock, h, setStatus, statusSpan } from './dom.js';
import { unitMessage } from './model.js';

/** Refetch an open panel at most this often while the model changes. */
const REFRESH_MS = 2000;

function databag(title, data) {
  const keys = Object.keys(data).sort();
  return h(
    'div',
    { class: 'databag' },
    h('h4', {}, title),
    keys.length === 0
      ? h('p', { class: 'empty-bag' }, 'empty')
      : h(
          'table',
          {},
          ...keys.map((k) =>
            h(
              'tr',
              {},
              h('th', {}, k),
              h(
                'td',
                {},
                data[k],
                data[k].startsWith('secret:') ? h('span', { class: 'tag' }, 'secret id') : null,
              ),
            ),
          ),
        ),
  );
}

function relatedApp(view, rel, status) {
  const found = status?.relations.find((r) => r.id === rel.id);
  const unitApp = view.unit.split('/')[0];
  if (found === undefined) return Object.keys(rel.relatedUnits)[0]?.split('/')[0] ?? '?';
  const [a] = found.provider.split(':');
  const [b] = found.requirer.split(':');
  return a === unitApp ? b : a;
}

function relationSection(view, rel, status) {
  const app = relatedApp(view, rel, status);
  const peer = app === view.unit.split('/')[0] && rel.endpoint === rel.relatedEndpoint;
  const title = peer ? `${rel.endpoint} (peers)` : `${rel.endpoint} ↔ ${app}:${rel.relatedEndpoint}`;
  return h(
    'section',
    { class: 'relation', 'data-relation-id': rel.id },
    h('h3', {}, title, h('span', { class: 'muted' }, ` relation ${rel.id}`)),
    databag(`application data of ${app}`, rel.applicationData),
    databag(`this unit (${view.unit})`, rel.localUnitData),
    ...Object.keys(rel.relatedUnits)
      .sort()
      .map((u) => databag(`unit ${u}`, rel.relatedUnits[u])),
  );
}

function hooksTable(hooks) {
  if (hooks.length === 0) return h('p', { class: 'muted' }, 'no hooks have run yet');
  return h(
    'table',
    { class: 'hooks' },
    h('tr', {}, h('th', {}, 'hook'), h('th', {}, 'outcome'), h('th', {}, 'started'), h('th', {}, 'took')),
    ...[...hooks]
      .reverse()
      .map((k) =>
        h(
          'tr',
          { 'data-hook': k.hook },
          h('td', {}, k.hook),
          h('td', {}, statusSpan(k.outcome === 'ok' ? 'active' : 'error', k.outcome)),
          h('td', {}, clock(k.started)),
          h('td', {}, `${k.ms} ms`),
        ),
      ),
  );
}

/** Find a unit (principal or subordinate) in a status. */
function findUnit(status, name) {
  for (const app of Object.values(status?.applications ?? {}))
    for (const u of Object.values(app.units)) {
      if (u.name === name) return u;
      if (u.subordinates[name]) return u.subordinates[name];
    }
  return undefined;
}

export class DetailsView {
  constructor(panel, conn, getModel) {
    this.panel = panel;
    this.conn = conn;
    this.getModel = getModel;
    this.unit = undefined;
    this.fetchedAt = 0;
    this.title = panel.querySelector('.details-title');
    this.status = panel.querySelector('.details-status');
    this.body = panel.querySelector('.details-body');
    panel.querySelector('.details-close').addEventListener('click', () => this.close());
    document.addEventListener('keydown', (ev) => ev.key === 'Escape' && this.close());
  }

  open(unit, status) {
    this.unit = unit;
    this.panel.hidden = false;
    this.panel.dataset.unit = unit;
    this.title.textContent = unit;
    this.body.replaceChildren(h('p', { class: 'muted' }, 'loading…'));
    this.update(status, true);
  }

  close() {
    this.unit = undefined;
    this.panel.hidden = true;
  }

  /** Follow the model: the unit's status at once, its data at most every REFRESH_MS. */
  update(status, force = false) {
    if (this.unit === undefined) return;
    const u = findUnit(status, this.unit);
    if (u === undefined) {
      setStatus(this.status, 'terminated', 'this unit is gone');
      return;
    }
    setStatus(
      this.status,
      u.workload,
      `${u.workload} · ${u.agent}${unitMessage(u) ? ` — ${unitMessage(u)}` : ''}`,
    );
    if (!force && Date.now() - this.fetchedAt < REFRESH_MS) return;
    this.fetchedAt = Date.now();
    this.fetch(status);
  }

  async fetch(status) {
    const unit = this.unit;
    try {
      const view = await this.conn.call('show-unit', { model: this.getModel(), unit });
      if (unit !== this.unit) return;
      this.body.replaceChildren(
        h('h3', { class: 'section-title' }, 'Relation data'),
        view.relations.length === 0 ? h('p', { class: 'muted' }, 'not in any relation') : '',
        ...view.relations.map((rel) => relationSection(view, rel, status)),
        h('h3', { class: 'section-title' }, 'Recent hooks'),
        hooksTable(view.hooks),
      );
    } catch (err) {
      if (unit === this.unit)
        this.body.replaceChildren(h('p', { class: 'muted' }, `cannot read ${unit}: ${err.message}`));
    }
  }
}
