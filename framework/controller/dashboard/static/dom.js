/**
 * Small DOM helpers. Every value from the model goes in as text (textContent,
 * attributes), never as markup, so nothing a charm writes can run in the page.
 */
import { statusStyle } from './status-style.js';

const SVG_NS = 'http://www.w3.org/2000/svg';

/** `h('div', { class: 'row', 'data-unit': 'a/0' }, 'text', child)`: an element with attributes and children. */
export function h(tag, attrs = {}, ...children) {
  return fill(document.createElement(tag), attrs, children);
}

/** The same for SVG elements. */
export function s(tag, attrs = {}, ...children) {
  return fill(document.createElementNS(SVG_NS, tag), attrs, children);
}

function fill(el, attrs, children) {
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== undefined && c !== null) el.append(c);
  return el;
}

/** The CSS classes of a status value: the same colours as `tsops status`. */
export function statusClasses(status) {
  const style = statusStyle(status);
  if (style === undefined) return ['status'];
  return style.bold ? ['status', `st-${style.color}`, 'st-bold'] : ['status', `st-${style.color}`];
}

/** Show a status value (or `text`) in `el`, coloured by its status; the element's own classes stay. */
export function setStatus(el, status, text = status) {
  if (el.textContent !== text) el.textContent = text;
  if (el.dataset.status === status) return;
  for (const c of [...el.classList]) if (c === 'status' || c.startsWith('st-')) el.classList.remove(c);
  el.classList.add(...statusClasses(status));
  el.dataset.status = status;
}

/** Set text only when it changed (keeps layout work down on live updates). */
export function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

/** A `<span>` holding a status value. */
export function statusSpan(status, text = status) {
  const el = h('span');
  setStatus(el, status, text);
  return el;
}

/** Natural order of unit names: `app/10` after `app/9`. */
export function byUnitName(a, b) {
  const [appA, nA] = a.split('/');
  const [appB, nB] = b.split('/');
  return appA === appB ? Number(nA) - Number(nB) : appA.localeCompare(appB);
}

/** `unit-spoke-0` for `spoke/0`: how the log names a unit. */
export function logEntity(unit) {
  return `unit-${unit.replace('/', '-')}`;
}

/** `14:05:23Z`, as `tsops status` and `tsops debug-log` show times. */
export function clock(timestamp) {
  const d = new Date(timestamp);
  return Number.isNaN(d.getTime()) ? String(timestamp) : `${d.toISOString().slice(11, 19)}Z`;
}
