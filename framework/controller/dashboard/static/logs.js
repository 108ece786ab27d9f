/**
 * The last log lines, filterable by unit (or application, or the controller) and
 * by lowest level. Lines are kept in a bounded buffer and drawn by a virtual list
 * that follows the tail unless the reader scrolled up.
 */
import { clock, h, logEntity, setText } from './dom.js';
import { allUnitNames } from './model.js';
import { VirtualList } from './virtual-list.js';

/** The most lines kept in the page. */
export const LOG_CAP = 2000;
const LEVELS = ['DEBUG', 'INFO', 'WARNING', 'ERROR'];

function renderLine(el, line) {
  if (el.firstChild === null) {
    el.classList.add('log-line');
    el.append(
      h('span', { class: 'l-time' }),
      h('span', { class: 'l-level' }),
      h('span', { class: 'l-entity' }),
      h('span', { class: 'l-message' }),
    );
  }
  const [t, level, entity, message] = el.children;
  setText(t, clock(line.timestamp));
  setText(level, line.level);
  level.dataset.level = line.level;
  setText(entity, line.entity);
  setText(message, line.message);
  message.title = line.message;
}

/** A test of log entities for a filter value: `''`, `controller`, `app:<name>` or `unit:<name>`. */
function matcher(filter) {
  if (filter === '') return () => true;
  if (filter.startsWith('unit:')) {
    const entity = logEntity(filter.slice(5));
    return (e) => e === entity;
  }
  if (filter.startsWith('app:')) {
    const prefix = `unit-${filter.slice(4)}-`;
    return (e) => e.startsWith(prefix) && /^\d+$/.test(e.slice(prefix.length));
  }
  return (e) => e === filter;
}

export class LogView {
  /** `unitSelect`, `levelSelect`: the filter controls; `container`: where the list goes. */
  constructor(container, unitSelect, levelSelect, countEl) {
    this.lines = [];
    this.lastId = 0;
    this.dirty = false;
    this.unitNames = '';
    this.unitSelect = unitSelect;
    this.levelSelect = levelSelect;
    this.countEl = countEl;
    this.list = new VirtualList({
      rowHeight: 22,
      maxRows: 16,
      className: 'log',
      keyOf: (l) => String(l.id),
      render: renderLine,
    });
    container.append(this.list.element);
    levelSelect.replaceChildren(...LEVELS.map((l) => h('option', { value: l }, `${l} and above`)));
    levelSelect.value = 'DEBUG';
    for (const sel of [unitSelect, levelSelect]) sel.addEventListener('change', () => this.render(true));
  }

  /** Forget every line (another model). */
  reset() {
    this.lines = [];
    this.lastId = 0;
    this.dirty = true;
  }

  /** Add one pushed line (replays after a reconnect are skipped by id). */
  add(line) {
    if (line.id <= this.lastId) return;
    this.lastId = line.id;
    this.lines.push(line);
    if (this.lines.length > LOG_CAP * 1.25) this.lines.splice(0, this.lines.length - LOG_CAP);
    this.dirty = true;
  }

  /** Offer every unit and application of the model as a filter (rebuilt only when they change). */
  setUnits(status) {
    const apps = Object.keys(status.applications).sort();
    const units = allUnitNames(status);
    const key = `${apps.join(',')}|${units.join(',')}`;
    if (key === this.unitNames) return;
    this.unitNames = key;
    const chosen = this.unitSelect.value;
    this.unitSelect.replaceChildren(
      h('option', { value: '' }, 'all'),
      h('option', { value: 'controller' }, 'controller'),
      h(
        'optgroup',
        { label: 'applications' },
        ...apps.map((a) => h('option', { value: `app:${a}` }, `${a} (all units)`)),
      ),
      h('optgroup', { label: 'units' }, ...units.map((u) => h('option', { value: `unit:${u}` }, u))),
    );
    this.unitSelect.value = chosen;
    if (this.unitSelect.value !== chosen) this.unitSelect.value = '';
  }

  /** Redraw when lines arrived or the filter changed. */
  render(force = false) {
    if (!this.dirty && !force) return;
    this.dirty = false;
    const follow = force || this.list.atEnd();
    const min = LEVELS.indexOf(this.levelSelect.value);
    const matches = matcher(this.unitSelect.value);
    const shown = this.lines
      .slice(-LOG_CAP)
      .filter((l) => LEVELS.indexOf(l.level) >= min && matches(l.entity));
    this.list.setItems(shown);
    setText(this.countEl, `${shown.length} of the last ${Math.min(this.lines.length, LOG_CAP)} lines`);
    if (follow) this.list.scrollToEnd();
  }
}
