/**
 * The applications: one card each with charm, scale, status and message, and its
 * units grouped beneath (subordinates under their principal unit). Long unit
 * lists start collapsed and are virtualised; a card is redrawn only when its
 * application changed since the last status.
 */
import { h, setStatus, setText, statusSpan } from './dom.js';
import { scaleText, subordinateUnits, unitMessage, unitRows } from './model.js';
import { VirtualList } from './virtual-list.js';

/** Above this many units an application's list starts collapsed. */
export const COLLAPSE_AT = 25;
const ROW_HEIGHT = 28;
const MAX_ROWS = 12;

function renderUnitRow(el, row, onUnit) {
  const u = row.unit;
  if (el.firstChild === null) {
    el.classList.add('unit');
    el.tabIndex = 0;
    el.append(
      h('span', { class: 'c-name' }),
      h('span', { class: 'c-workload' }),
      h('span', { class: 'c-agent' }),
      h('span', { class: 'c-machine' }),
      h('span', { class: 'c-address' }),
      h('span', { class: 'c-message' }),
    );
    el.addEventListener('click', () => onUnit(el.dataset.unit));
    el.addEventListener('keydown', (ev) => ev.key === 'Enter' && onUnit(el.dataset.unit));
  }
  el.dataset.unit = u.name;
  el.classList.toggle('sub', row.sub);
  const [name, workload, agent, machine, address, message] = el.children;
  setText(name, `${row.sub ? '└ ' : ''}${u.name}${u.leader ? ' ★' : ''}`);
  name.title = u.leader ? 'leader' : '';
  setStatus(workload, u.workload);
  setStatus(agent, u.agent);
  setText(machine, u.machine);
  setText(address, u.address);
  setText(message, unitMessage(u));
  message.title = unitMessage(u);
}

/** One application's card. */
class AppCard {
  constructor(name, onUnit) {
    this.name = name;
    this.signature = '';
    this.expanded = undefined;
    this.list = new VirtualList({
      rowHeight: ROW_HEIGHT,
      maxRows: MAX_ROWS,
      className: 'units',
      keyOf: (row) => row.unit.name,
      render: (el, row) => renderUnitRow(el, row, onUnit),
    });
    this.title = h('span', { class: 'app-name' }, name);
    this.charm = h('span', { class: 'app-charm' });
    this.scale = h('span', { class: 'app-scale' });
    this.status = h('span');
    this.message = h('span', { class: 'app-message' });
    this.summary = h('span', { class: 'unit-summary' });
    this.toggle = h('button', { type: 'button', class: 'toggle', onclick: () => this.flip() });
    this.header = h(
      'div',
      { class: 'unit-header' },
      ...['Unit', 'Workload', 'Agent', 'Machine', 'Address', 'Message'].map((t) => h('span', {}, t)),
    );
    this.element = h(
      'section',
      { class: 'app', 'data-app': name },
      h('div', { class: 'app-head' }, this.title, this.status, this.charm, this.scale, this.message),
      h('div', { class: 'app-units-bar' }, this.summary, this.toggle),
      this.header,
      this.list.element,
    );
  }

  flip() {
    this.expanded = !this.expanded;
    this.signature = '';
    this.update(this.app, this.model);
  }

  update(app, status) {
    this.app = app;
    this.model = status;
    const subs = app.subordinate ? subordinateUnits(app, status) : [];
    // A subordinate's units live in other applications: they are part of what it shows.
    const sig = JSON.stringify(app) + JSON.stringify(subs);
    if (sig === this.signature) return;
    this.signature = sig;
    const rows = app.subordinate ? [] : unitRows(app);
    const units = app.subordinate ? subs : rows.filter((r) => !r.sub).map((r) => r.unit);
    this.expanded ??= units.length <= COLLAPSE_AT;
    setText(this.charm, app.charm === app.name ? '' : `charm ${app.charm}`);
    setText(this.scale, `scale ${app.subordinate ? units.length : scaleText(app, units)}`);
    setStatus(this.status, app.status);
    setText(this.message, app.message);
    this.message.title = app.message;
    this.element.classList.toggle('subordinate', app.subordinate);
    if (app.subordinate) {
      const shown = units.slice(0, 5).map((u) => u.principal);
      const more = units.length > 5 ? ` and ${units.length - 5} more` : '';
      setText(
        this.summary,
        units.length
          ? `subordinate: ${units.length} units, listed under ${shown.join(', ')}${more}`
          : 'subordinate: no units yet',
      );
      this.toggle.hidden = true;
      this.header.hidden = true;
      this.list.element.hidden = true;
      return;
    }
    this.renderSummary(units);
    this.toggle.hidden = units.length === 0;
    setText(this.toggle, this.expanded ? 'hide units' : `show ${units.length} units`);
    this.header.hidden = !this.expanded || units.length === 0;
    this.list.element.hidden = !this.expanded;
    this.list.setItems(this.expanded ? rows : []);
  }

  /** `3 units: 2 active, 1 blocked`, each count in its status colour. */
  renderSummary(units) {
    const counts = new Map();
    for (const u of units) counts.set(u.workload, (counts.get(u.workload) ?? 0) + 1);
    const parts = [...counts].flatMap(([st, n], i) => [i ? ', ' : '', statusSpan(st, `${n} ${st}`)]);
    this.summary.replaceChildren(
      `${units.length} unit${units.length === 1 ? '' : 's'}${units.length ? ': ' : ''}`,
      ...parts,
    );
  }
}

/** All the application cards, kept in name order. */
export class AppsView {
  constructor(container, onUnit) {
    this.container = container;
    this.onUnit = onUnit;
    this.cards = new Map();
  }

  update(status) {
    const names = Object.keys(status.applications).sort();
    for (const [name, card] of this.cards) {
      if (!status.applications[name]) {
        card.element.remove();
        this.cards.delete(name);
      }
    }
    names.forEach((name, i) => {
      let card = this.cards.get(name);
      if (card === undefined) {
        card = new AppCard(name, this.onUnit);
        this.cards.set(name, card);
      }
      if (this.container.children[i] !== card.element)
        this.container.insertBefore(card.element, this.container.children[i] ?? null);
      card.update(status.applications[name], status);
    });
  }
}
