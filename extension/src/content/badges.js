// Badges: one fixed, zero-size overlay at the top of the document, in a closed shadow root so
// page styles cannot reach it and ours cannot leak. Badges never sit inside the page's own
// elements: layout, links and clicks on the image stay untouched. Only the small badge itself
// takes clicks (to open its details). Positions follow scroll, resize, zoom and layout
// changes, batched into one animation frame.

import { badgePosition, inViewport } from '../lib/pageimages.js';
import { formatProbability, verdictLabel } from '../lib/verdict.js';
import { provenanceRows } from '../lib/provenance-text.js';

const STYLE = `
:host { all: initial; }
.badge {
  position: fixed; left: 0; top: 0; box-sizing: border-box;
  font: 600 11px/16px system-ui, -apple-system, "Segoe UI", sans-serif;
  padding: 1px 6px; border-radius: 9px; color: #fff; background: #555;
  box-shadow: 0 1px 3px rgba(0,0,0,.45); cursor: pointer; pointer-events: auto;
  white-space: nowrap; user-select: none; opacity: .93;
}
.badge:hover, .badge.open { opacity: 1; z-index: 1; }
.badge[hidden] { display: none; }
.ai { background: #c62828; }
.human { background: #2e7d32; }
.unsure { background: #b26a00; }
.working { background: #455a64; }
.error { background: #6d4c41; }
.details {
  display: none; position: absolute; top: 20px; left: 0; min-width: 190px; max-width: 340px;
  padding: 8px 10px; border-radius: 6px; background: #fff; color: #222;
  font: 400 12px/17px system-ui, -apple-system, "Segoe UI", sans-serif;
  box-shadow: 0 2px 10px rgba(0,0,0,.35); white-space: normal; cursor: auto;
}
.badge:hover .details, .badge.open .details { display: block; }
.right .details { left: auto; right: 0; }
.bottom .details { top: auto; bottom: 20px; }
.details b { font-weight: 600; }
.details div + div { margin-top: 2px; }
.toast {
  position: fixed; top: 12px; right: 12px; max-width: 320px; pointer-events: auto;
  font: 400 13px/18px system-ui, sans-serif; background: #fff; color: #222; padding: 10px 12px;
  border-radius: 6px; box-shadow: 0 2px 12px rgba(0,0,0,.4);
}
`;

function detailsFor(state, result) {
  if (state === 'working') return [['Checking', 'fetching and scoring the image…']];
  if (!result) return [];
  if (result.status !== 'ok') {
    const title = result.reason === 'server-unreachable' ? 'Server unreachable' : 'Not scored';
    return [[title, result.message ?? result.reason]];
  }
  const metadata = result.reason === 'metadata';
  const rows = [
    ['Verdict', metadata ? `${verdictLabel(result.verdict)}, from the file's metadata` : verdictLabel(result.verdict)],
    ...provenanceRows(result),
    [
      'Probability AI-generated',
      metadata && result.modelVerdict
        ? `${formatProbability(result.probability)} (the model alone: ${verdictLabel(result.modelVerdict)})`
        : formatProbability(result.probability),
    ],
    ['Model', `${result.model}${result.source === 'server' ? ' (server)' : ` (local, ${result.backend})`}`],
    ['Time', `${Math.round(result.ms)} ms${result.cached ? ' (cached)' : ''}`],
  ];
  if (result.fallbackReason) rows.push(['Fallback', result.fallbackReason]);
  return rows;
}

export class Badges {
  constructor({ corner = 'top-left' } = {}) {
    this.corner = corner;
    this.items = new Map(); // element -> {badge, ...}
    this.host = document.createElement('aiorhuman-overlay');
    this.host.style.cssText =
      'all: initial; position: fixed; left: 0; top: 0; width: 0; height: 0; z-index: 2147483647; pointer-events: none;';
    this.root = this.host.attachShadow({ mode: 'closed' });
    const style = document.createElement('style');
    style.textContent = STYLE;
    this.root.append(style);
    this.frame = 0;
    this.schedule = () => {
      if (!this.frame) this.frame = requestAnimationFrame(() => this.place());
    };
    this.resizeObserver = new ResizeObserver(this.schedule);
    addEventListener('scroll', this.schedule, { capture: true, passive: true });
    addEventListener('resize', this.schedule, { passive: true });
    // Layout can move without any event we see (animations, fonts): a cheap check each second.
    this.timer = setInterval(this.schedule, 1000);
    document.addEventListener('click', (event) => {
      if (!event.composedPath().includes(this.host)) this.closeAll();
    }, true);
  }

  attach() {
    if (!this.host.isConnected) (document.documentElement ?? document).append(this.host);
  }

  /** Show or update the badge of an element. state: 'working' | 'done'. */
  show(element, state, result) {
    this.attach();
    let item = this.items.get(element);
    if (!item) {
      const badge = document.createElement('div');
      badge.className = 'badge';
      badge.addEventListener('click', (event) => {
        event.stopPropagation();
        event.preventDefault();
        badge.classList.toggle('open');
      });
      const label = document.createElement('span');
      const details = document.createElement('div');
      details.className = 'details';
      badge.append(label, details);
      this.root.append(badge);
      item = { badge, label, details };
      this.items.set(element, item);
      this.resizeObserver.observe(element);
    }
    const { badge, label, details } = item;
    let cls = 'working';
    let text = 'Checking…';
    if (state === 'done' && result?.status === 'ok') {
      cls = result.verdict;
      text = result.reason === 'metadata'
        ? `${verdictLabel(result.verdict)} · metadata`
        : `${verdictLabel(result.verdict)} ${formatProbability(result.probability)}`;
    } else if (state === 'done') {
      cls = 'error';
      text = result?.reason === 'server-unreachable' ? 'Server offline' : 'Not scored';
    }
    const corner = this.corner.split('-').join(' ');
    badge.className = `badge ${cls} ${corner}${badge.classList.contains('open') ? ' open' : ''}`;
    label.textContent = text;
    badge.setAttribute('role', 'button');
    badge.setAttribute('aria-label', `AI or Human: ${text}`);
    details.replaceChildren(
      ...detailsFor(state, result).map(([k, v]) => {
        const row = document.createElement('div');
        const key = document.createElement('b');
        key.textContent = `${k}: `;
        row.append(key, String(v));
        return row;
      }),
    );
    item.width = undefined; // the text changed: measure again
    this.schedule();
  }

  remove(element) {
    const item = this.items.get(element);
    if (!item) return;
    item.badge.remove();
    this.resizeObserver.unobserve(element);
    this.items.delete(element);
  }

  clear() {
    for (const element of [...this.items.keys()]) this.remove(element);
  }

  closeAll() {
    for (const { badge } of this.items.values()) badge.classList.remove('open');
  }

  setCorner(corner) {
    this.corner = corner;
    const [vertical, horizontal] = corner.split('-');
    for (const { badge } of this.items.values()) {
      badge.classList.remove('top', 'bottom', 'left', 'right');
      badge.classList.add(vertical, horizontal);
    }
    this.schedule();
  }

  /** Put every badge on its image: all reads first, then all writes (no layout thrashing). */
  place() {
    this.frame = 0;
    const vw = document.documentElement.clientWidth || innerWidth;
    const vh = document.documentElement.clientHeight || innerHeight;
    const reads = [];
    for (const [element, item] of this.items) {
      if (!element.isConnected) {
        reads.push([element, item, null]);
        continue;
      }
      if (item.width === undefined && !item.badge.hidden) item.width = item.badge.offsetWidth || 80;
      reads.push([element, item, element.getBoundingClientRect()]);
    }
    for (const [element, item, rect] of reads) {
      if (!rect) {
        this.remove(element);
        continue;
      }
      const visible = inViewport(rect, vw, vh) && rect.width >= 24 && rect.height >= 16;
      item.badge.hidden = !visible;
      if (!visible) continue;
      const { x, y } = badgePosition(rect, this.corner, item.width ?? 80, 18, vw, vh);
      item.badge.style.transform = `translate(${x}px, ${y}px)`;
      if (item.width === undefined) this.schedule(); // measure it next frame
    }
  }

  /** A notice in the corner of the page (right-click on an image we could not find again). */
  toast(text) {
    this.attach();
    const el = document.createElement('div');
    el.className = 'toast';
    el.textContent = text;
    this.root.append(el);
    setTimeout(() => el.remove(), 8000);
  }
}
