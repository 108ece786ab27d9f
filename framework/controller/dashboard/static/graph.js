/**
 * The relations as a graph: applications are nodes on a circle in name order (so
 * the picture does not move between updates), relations are edges labelled with
 * their endpoints, peer relations are loops above their node. Subordinate
 * relations are dashed. Redrawn only when applications or relations change.
 */
import { s, statusClasses } from './dom.js';
import { subordinateUnits } from './model.js';

const W = 560;
const H = 380;
const NODE_W = 120;
const NODE_H = 44;

/** Node centres: two side by side, more on an ellipse from the top, clockwise; one in the middle. */
export function layout(names) {
  const pos = new Map();
  const n = names.length;
  const start = n === 2 ? Math.PI : -Math.PI / 2;
  names.forEach((name, i) => {
    if (n === 1) return pos.set(name, { x: W / 2, y: H / 2 });
    const a = start + (2 * Math.PI * i) / n;
    const rx = W / 2 - NODE_W / 2 - 16;
    const ry = H / 2 - NODE_H - 24;
    pos.set(name, { x: W / 2 + rx * Math.cos(a), y: H / 2 + ry * Math.sin(a) });
  });
  return pos;
}

function split(ref) {
  const i = ref.indexOf(':');
  return { app: ref.slice(0, i), endpoint: ref.slice(i + 1) };
}

function edge(rel, p1, p2, bend) {
  // A quadratic curve bent sideways, so several relations between two nodes stay apart.
  const mx = (p1.x + p2.x) / 2;
  const my = (p1.y + p2.y) / 2;
  const len = Math.hypot(p2.x - p1.x, p2.y - p1.y) || 1;
  const cx = mx + (-(p2.y - p1.y) / len) * bend;
  const cy = my + ((p2.x - p1.x) / len) * bend;
  const a = split(rel.provider);
  const b = split(rel.requirer);
  const label = a.endpoint === b.endpoint ? a.endpoint : `${a.endpoint} ↔ ${b.endpoint}`;
  return s(
    'g',
    { class: `edge ${rel.type}`, 'data-relation': `${rel.provider} ${rel.requirer}`, 'data-id': rel.id },
    s('title', {}, `${rel.provider} ↔ ${rel.requirer} (${rel.interface}, ${rel.type})`),
    s('path', { d: `M${p1.x},${p1.y} Q${cx},${cy} ${p2.x},${p2.y}` }),
    s(
      'text',
      { x: (p1.x + 2 * cx + p2.x) / 4, y: (p1.y + 2 * cy + p2.y) / 4 + 4, 'text-anchor': 'middle' },
      label,
    ),
  );
}

/** A peer relation: a loop on the node's outer side (above in the top half, below in the bottom), clear of its edges. */
function loop(rel, p, k) {
  const { endpoint } = split(rel.provider);
  const dir = p.y > H / 2 + 1 ? 1 : -1;
  const base = p.y + (dir * NODE_H) / 2;
  const reach = dir * (22 + 12 * k) * 1.6;
  return s(
    'g',
    { class: 'edge peer', 'data-relation': `${rel.provider} ${rel.requirer}`, 'data-id': rel.id },
    s('title', {}, `${rel.provider} (peer relation, ${rel.interface})`),
    s('path', {
      d: `M${p.x - 14},${base} C${p.x - 36},${base + reach} ${p.x + 36},${base + reach} ${p.x + 14},${base}`,
    }),
    s('text', { x: p.x, y: base + reach * 0.8 + (dir > 0 ? 12 : -4), 'text-anchor': 'middle' }, endpoint),
  );
}

function node(app, p, units, onApp) {
  return s(
    'g',
    {
      class: 'node',
      'data-app': app.name,
      transform: `translate(${p.x},${p.y})`,
      onclick: () => onApp(app.name),
    },
    s('title', {}, `${app.name}: ${app.status}${app.message ? ` — ${app.message}` : ''}`),
    s('rect', {
      x: -NODE_W / 2,
      y: -NODE_H / 2,
      width: NODE_W,
      height: NODE_H,
      rx: 8,
      class: `node-box ${statusClasses(app.status).join(' ')}`,
    }),
    s('text', { class: 'node-name', y: -3, 'text-anchor': 'middle' }, app.name),
    s(
      'text',
      { class: 'node-meta', y: 13, 'text-anchor': 'middle' },
      `${units} unit${units === 1 ? '' : 's'} · ${app.status}`,
    ),
  );
}

/** Units of an application, counting subordinates where they sit. */
function unitCount(app, status) {
  return app.subordinate ? subordinateUnits(app, status).length : Object.keys(app.units).length;
}

export class GraphView {
  constructor(svg, onApp) {
    this.svg = svg;
    this.onApp = onApp;
    this.signature = '';
    svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  }

  update(status) {
    const names = Object.keys(status.applications).sort();
    const counts = new Map(names.map((n) => [n, unitCount(status.applications[n], status)]));
    const sig = JSON.stringify([
      names.map((n) => [n, status.applications[n].status, counts.get(n)]),
      status.relations,
    ]);
    if (sig === this.signature) return;
    this.signature = sig;
    const pos = layout(names);
    const edges = [];
    const pairs = new Map();
    const loops = new Map();
    for (const rel of [...status.relations].sort((a, b) => a.id - b.id)) {
      const a = split(rel.provider).app;
      const b = split(rel.requirer).app;
      if (!pos.has(a) || !pos.has(b)) continue;
      if (rel.type === 'peer' || a === b) {
        const k = loops.get(a) ?? 0;
        loops.set(a, k + 1);
        edges.push(loop(rel, pos.get(a), k));
        continue;
      }
      const key = [a, b].sort().join(' ');
      const list = pairs.get(key) ?? [];
      list.push(rel);
      pairs.set(key, list);
    }
    for (const list of pairs.values())
      list.forEach((rel, k) => {
        const p1 = pos.get(split(rel.provider).app);
        const p2 = pos.get(split(rel.requirer).app);
        edges.push(edge(rel, p1, p2, (k - (list.length - 1) / 2) * 48));
      });
    const nodes = names.map((n) => node(status.applications[n], pos.get(n), counts.get(n), this.onApp));
    this.svg.replaceChildren(s('g', { class: 'edges' }, ...edges), s('g', { class: 'nodes' }, ...nodes));
  }
}
