/**
 * A list that keeps only its visible rows in the DOM: fixed-height rows placed
 * over a spacer as tall as the whole list, so 1,000 units or 2,000 log lines
 * cost a screenful of elements. Rows are reused by key between renders.
 */
import { h } from './dom.js';

const OVERSCAN = 6;

export class VirtualList {
  /**
   * @param {object} o
   * @param {number} o.rowHeight pixels, the same as the CSS row height
   * @param {number} o.maxRows the viewport's height in rows (it shrinks to fit fewer)
   * @param {(item: any) => string} o.keyOf
   * @param {(el: HTMLElement, item: any) => void} o.render fills a row element
   * @param {string} o.className
   */
  constructor(o) {
    this.o = o;
    this.items = [];
    this.rows = new Map();
    this.spacer = h('div', { class: 'vlist-spacer' });
    this.element = h('div', { class: `vlist ${o.className}`, role: 'list' }, this.spacer);
    this.scheduled = false;
    this.element.addEventListener('scroll', () => this.schedule(), { passive: true });
  }

  /** Replace the items and redraw the visible rows. */
  setItems(items) {
    this.items = items;
    const height = Math.min(items.length, this.o.maxRows) * this.o.rowHeight;
    this.element.style.height = `${height}px`;
    this.spacer.style.height = `${items.length * this.o.rowHeight}px`;
    this.render();
  }

  /** Whether the view shows the last row (a log that follows its tail). */
  atEnd() {
    const el = this.element;
    return el.scrollTop + el.clientHeight >= el.scrollHeight - this.o.rowHeight;
  }

  scrollToEnd() {
    this.element.scrollTop = this.element.scrollHeight;
    this.render();
  }

  /** Scroll so that the item with `key` is in view. */
  reveal(key) {
    const i = this.items.findIndex((item) => this.o.keyOf(item) === key);
    if (i >= 0) this.element.scrollTop = i * this.o.rowHeight;
    this.render();
  }

  schedule() {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      this.render();
    });
  }

  render() {
    const { rowHeight, keyOf, render } = this.o;
    const top = this.element.scrollTop;
    const visible = Math.ceil((this.element.clientHeight || rowHeight * this.o.maxRows) / rowHeight);
    const first = Math.max(0, Math.floor(top / rowHeight) - OVERSCAN);
    const last = Math.min(this.items.length, first + visible + 2 * OVERSCAN);
    const wanted = new Map();
    for (let i = first; i < last; i++) wanted.set(keyOf(this.items[i]), i);
    for (const [key, el] of this.rows) {
      if (!wanted.has(key)) {
        el.remove();
        this.rows.delete(key);
      }
    }
    for (const [key, i] of wanted) {
      let el = this.rows.get(key);
      if (el === undefined) {
        el = h('div', { class: 'vrow', role: 'listitem' });
        this.rows.set(key, el);
        this.element.append(el);
      }
      el.style.transform = `translateY(${i * rowHeight}px)`;
      render(el, this.items[i]);
    }
  }
}
