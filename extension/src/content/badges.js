// Badges: one fixed, zero-size overlay at the top of the document, in a closed shadow root so
// page styles cannot reach it and ours cannot leak. Badges never sit inside the page's own
// elements: layout, links and clicks on the image stay untouched. Only the small badge itself
// takes clicks (to open its details). Each badge sits on the visible part of its image (inside
// every ancestor that clips it, clear of rounded corners). Positions follow scroll, resize,
// zoom and layout changes, batched into one animation frame, for the images on screen only.

import { badgePosition, clipRect, cornerInset, inViewport } from '../lib/pageimages.js';
import { LIMITS, MEANINGS, formatProbability, verdictLabel } from '../lib/verdict.js';
import { provenanceRows } from '../lib/provenance-text.js';
import { timed } from './tasks.js';

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
.details .note { color: #555; font-size: 11px; line-height: 15px; }
.details button {
  font: 600 11px/16px system-ui, sans-serif; margin: 2px 4px 0 0; padding: 1px 8px;
  border: 1px solid #888; border-radius: 4px; background: #f4f4f4; color: #222; cursor: pointer;
}
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
    ['Verdict', metadata ? `${verdictLabel(result.verdict)}, from the file's metadata` : `${verdictLabel(result.verdict)}: ${MEANINGS[result.verdict]}`],
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

/** Rows of the details panel as elements. */
function renderRows(rows) {
  return rows.map(([k, v]) => {
    const row = document.createElement('div');
    const key = document.createElement('b');
    key.textContent = `${k}: `;
    row.append(key, String(v));
    return row;
  });
}

/** The px value of one corner's border-radius ("12px", "50%", "10px 20px") on a box `width` wide. */
function radiusPx(value, width) {
  const first = String(value).split(' ')[0];
  const n = Number.parseFloat(first);
  if (!Number.isFinite(n)) return 0;
  return first.endsWith('%') ? (n / 100) * width : n;
}

const CORNER_PROPERTY = {
  'top-left': 'borderTopLeftRadius',
  'top-right': 'borderTopRightRadius',
  'bottom-left': 'borderBottomLeftRadius',
  'bottom-right': 'borderBottomRightRadius',
};

/** The element's ancestors (across shadow roots) that clip it: overflow other than visible. */
function clippingAncestors(element) {
  const out = [];
  let node = element;
  for (;;) {
    const parent = node.parentElement ?? (node.parentNode instanceof ShadowRoot ? node.parentNode.host : null);
    if (!parent || parent === document.body || parent === document.documentElement) return out;
    const style = getComputedStyle(parent);
    if (style.overflowX !== 'visible' || style.overflowY !== 'visible') out.push(parent);
    if (style.position === 'fixed') return out;
    node = parent;
  }
}

export class Badges {
  /**
   * @param {{corner?: string, onReport?: (element: Element, label: 'ai'|'human') => Promise<string>}} options
   *   onReport: "Report a mistake" in the details; resolves to the line to show after it.
   */
  constructor({ corner = 'top-left', onReport = null } = {}) {
    this.corner = corner;
    this.onReport = onReport;
    this.items = new Map(); // element -> {badge, ...}
    this.host = document.createElement('aiorhuman-overlay');
    this.host.style.cssText =
      'all: initial; position: fixed; left: 0; top: 0; width: 0; height: 0; z-index: 2147483647; pointer-events: none;';
    // Test builds leave the root open so browser tests can press the details' buttons.
    this.root = this.host.attachShadow({ mode: TEST_BUILD ? 'open' : 'closed' });
    const style = document.createElement('style');
    style.textContent = STYLE;
    this.root.append(style);
    this.frame = 0;
    const placeTask = timed(() => this.place());
    this.schedule = () => {
      if (!this.frame) this.frame = requestAnimationFrame(placeTask);
    };
    const onLayoutChange = timed(this.schedule);
    this.resizeObserver = new ResizeObserver(onLayoutChange);
    // Which badged images are on screen: only those are measured and placed.
    this.onScreen = new IntersectionObserver(timed((records) => {
      for (const record of records) {
        const item = this.items.get(record.target);
        if (item) item.onScreen = record.isIntersecting;
      }
      this.schedule();
    }));
    addEventListener('scroll', onLayoutChange, { capture: true, passive: true });
    addEventListener('resize', onLayoutChange, { passive: true });
    // Layout can move without any event we see (animations, fonts): a cheap check each second.
    this.timer = setInterval(onLayoutChange, 1000);
    document.addEventListener('click', timed((event) => {
      if (!event.composedPath().includes(this.host)) this.closeAll();
    }), true);
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
      badge.addEventListener('click', timed((event) => {
        event.stopPropagation();
        event.preventDefault();
        const button = event.composedPath().find((el) => el.localName === 'button');
        if (button) this.report(element, button.value);
        else badge.classList.toggle('open');
      }));
      const label = document.createElement('span');
      const details = document.createElement('div');
      details.className = 'details';
      badge.append(label, details);
      this.root.append(badge);
      item = { badge, label, details };
      this.items.set(element, item);
      this.resizeObserver.observe(element);
      this.onScreen.observe(element);
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
    details.replaceChildren(...renderRows(detailsFor(state, result)));
    if (state === 'done' && result?.status === 'ok') details.append(...this.explanation(result));
    item.width = undefined; // the text changed: measure again
    this.schedule();
  }

  remove(element) {
    const item = this.items.get(element);
    if (!item) return;
    item.badge.remove();
    this.resizeObserver.unobserve(element);
    this.onScreen.unobserve(element);
    this.items.delete(element);
  }

  clear() {
    for (const element of [...this.items.keys()]) this.remove(element);
  }

  closeAll() {
    for (const { badge } of this.items.values()) badge.classList.remove('open');
  }

  /** The lines under a verdict: what the model cannot do, and "Report a mistake". */
  explanation(result) {
    const limits = document.createElement('div');
    limits.className = 'note';
    limits.textContent = LIMITS;
    const report = document.createElement('div');
    report.className = 'report';
    const key = document.createElement('b');
    key.textContent = 'Report a mistake: ';
    report.append(key);
    for (const [label, text] of [['ai', 'It is AI-generated'], ['human', 'It is made by a person']]) {
      if (label === result.verdict) continue;
      const button = document.createElement('button');
      button.type = 'button';
      button.value = label;
      button.textContent = text;
      report.append(button);
    }
    return this.onReport ? [limits, report] : [limits];
  }

  async report(element, label) {
    const item = this.items.get(element);
    const line = item?.details.querySelector('.report');
    if (!line || !this.onReport) return;
    line.replaceChildren('Reporting…');
    let text;
    try {
      text = await this.onReport(element, label);
    } catch (error) {
      text = `Not saved: ${error?.message ?? error}`;
    }
    line.replaceChildren(text);
    item.width = undefined;
    this.schedule();
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
    const property = CORNER_PROPERTY[this.corner] ?? CORNER_PROPERTY['top-left'];
    const reads = [];
    for (const [element, item] of this.items) {
      if (!element.isConnected) {
        reads.push([element, item, null]);
        continue;
      }
      if (!item.onScreen) {
        if (!item.badge.hidden) reads.push([element, item, 'off']);
        continue;
      }
      if (item.width === undefined && !item.badge.hidden) item.width = item.badge.offsetWidth || 80;
      item.clippers ??= clippingAncestors(element);
      const rect = element.getBoundingClientRect();
      const clips = [];
      let radius = radiusPx(getComputedStyle(element)[property], rect.width);
      for (const clipper of item.clippers) {
        const r = clipper.getBoundingClientRect();
        const left = r.left + clipper.clientLeft;
        const top = r.top + clipper.clientTop;
        clips.push({ left, top, right: left + clipper.clientWidth, bottom: top + clipper.clientHeight });
        radius = Math.max(radius, radiusPx(getComputedStyle(clipper)[property], r.width));
      }
      reads.push([element, item, clipRect(rect, clips), radius]);
    }
    for (const [element, item, rect, radius] of reads) {
      if (!rect) {
        this.remove(element);
        continue;
      }
      const visible = rect !== 'off' && inViewport(rect, vw, vh) && rect.width >= 24 && rect.height >= 16;
      item.badge.hidden = !visible;
      if (!visible) continue;
      const inset = 4 + cornerInset(radius);
      const { x, y } = badgePosition(rect, this.corner, item.width ?? 80, 18, vw, vh, inset);
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
    setTimeout(timed(() => el.remove()), 8000);
  }
}
