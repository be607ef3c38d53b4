import { escapeHtml } from '../agent-console/agent-pages';

/**
 * Small server-rendered SVG charts: no script, no library, nothing fetched. Colours come from presentation
 * attributes (the page's CSP forbids inline styles); every chart has a title and a text alternative, and the
 * figures it draws are in a table next to it for screen readers and for copying.
 */

/** A palette that stays apart for the common colour-vision deficiencies (Okabe–Ito). */
export const PALETTE = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#f0e442', '#000000'];

export interface Series {
  name: string;
  color: string;
  values: number[];
}

const fmt = (value: number): string => (Number.isInteger(value) ? String(value) : value.toFixed(1));

function niceMax(value: number): number {
  if (value <= 0) return 1;
  const step = 10 ** Math.floor(Math.log10(value));
  for (const factor of [1, 2, 5, 10]) if (value <= factor * step) return factor * step;
  return 10 * step;
}

function svgOpen(width: number, height: number, label: string, id: string): string {
  return `<svg class="chart" id="${escapeHtml(id)}" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-labelledby="${escapeHtml(id)}-title"><title id="${escapeHtml(id)}-title">${escapeHtml(label)}</title>`;
}

function legend(series: { name: string; color: string }[], y: number, x = 40): string {
  let offset = x;
  return series.map((entry) => {
    const item = `<rect x="${offset}" y="${y - 9}" width="10" height="10" fill="${entry.color}"/><text x="${offset + 14}" y="${y}" class="legend">${escapeHtml(entry.name)}</text>`;
    offset += 24 + entry.name.length * 7;
    return item;
  }).join('');
}

/** Vertical stacked bars: one bar per label (a day), one segment per series (a channel). */
export function stackedBars(id: string, label: string, labels: string[], series: Series[], options: { width?: number; height?: number } = {}): string {
  const width = options.width ?? 640;
  const height = options.height ?? 240;
  const left = 40;
  const bottom = height - 44;
  const top = 12;
  const totals = labels.map((_, index) => series.reduce((sum, entry) => sum + (entry.values[index] ?? 0), 0));
  const max = niceMax(Math.max(0, ...totals));
  const slot = (width - left - 8) / Math.max(1, labels.length);
  const barWidth = Math.max(4, Math.min(40, slot * 0.7));
  const y = (value: number) => bottom - ((bottom - top) * value) / max;
  let body = '';
  for (const tick of [0, max / 2, max]) body += `<line x1="${left}" x2="${width - 8}" y1="${y(tick)}" y2="${y(tick)}" class="grid"/><text x="${left - 6}" y="${y(tick) + 4}" class="axis" text-anchor="end">${fmt(tick)}</text>`;
  const every = Math.max(1, Math.ceil(labels.length / 10));
  labels.forEach((name, index) => {
    const x = left + slot * index + (slot - barWidth) / 2;
    let base = 0;
    for (const entry of series) {
      const value = entry.values[index] ?? 0;
      if (value > 0) body += `<rect x="${x.toFixed(1)}" y="${y(base + value).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${(y(base) - y(base + value)).toFixed(1)}" fill="${entry.color}"><title>${escapeHtml(`${name} · ${entry.name}: ${value}`)}</title></rect>`;
      base += value;
    }
    if (index % every === 0) body += `<text x="${(x + barWidth / 2).toFixed(1)}" y="${bottom + 14}" class="axis" text-anchor="middle">${escapeHtml(name.slice(5))}</text>`;
  });
  return `${svgOpen(width, height, label, id)}${body}${legend(series, height - 8)}</svg>`;
}

/** Horizontal bars, one per item, largest first; `segments` splits each bar (e.g. breached / within SLA). */
export function horizontalBars(id: string, label: string, items: { name: string; segments: { value: number; color: string; label: string }[] }[], options: { width?: number } = {}): string {
  const width = options.width ?? 640;
  const rowHeight = 26;
  const labelWidth = 200;
  const height = Math.max(1, items.length) * rowHeight + 12;
  const max = niceMax(Math.max(0, ...items.map((item) => item.segments.reduce((sum, segment) => sum + segment.value, 0))));
  const scale = (width - labelWidth - 50) / max;
  let body = '';
  if (items.length === 0) body = `<text x="10" y="24" class="axis">–</text>`;
  items.forEach((item, index) => {
    const top = 6 + index * rowHeight;
    body += `<text x="${labelWidth - 8}" y="${top + 16}" class="axis" text-anchor="end">${escapeHtml(item.name.length > 28 ? `${item.name.slice(0, 27)}…` : item.name)}</text>`;
    let x = labelWidth;
    let total = 0;
    for (const segment of item.segments) {
      if (segment.value > 0) body += `<rect x="${x.toFixed(1)}" y="${top + 3}" width="${(segment.value * scale).toFixed(1)}" height="${rowHeight - 8}" fill="${segment.color}"><title>${escapeHtml(`${item.name} · ${segment.label}: ${segment.value}`)}</title></rect>`;
      x += segment.value * scale;
      total += segment.value;
    }
    body += `<text x="${(x + 6).toFixed(1)}" y="${top + 16}" class="value">${fmt(total)}</text>`;
  });
  return `${svgOpen(width, height, label, id)}${body}</svg>`;
}

/** A line per series over the labels; a missing value (null) breaks the line and is drawn as nothing. */
export function lineChart(id: string, label: string, labels: string[], series: { name: string; color: string; values: (number | null)[] }[], range: { min: number; max: number }, options: { width?: number; height?: number } = {}): string {
  const width = options.width ?? 640;
  const height = options.height ?? 200;
  const left = 40;
  const bottom = height - 44;
  const top = 12;
  const step = (width - left - 20) / Math.max(1, labels.length - 1);
  const x = (index: number) => left + 10 + step * index;
  const y = (value: number) => bottom - ((bottom - top) * (value - range.min)) / (range.max - range.min || 1);
  let body = '';
  for (const tick of [range.min, (range.min + range.max) / 2, range.max]) body += `<line x1="${left}" x2="${width - 8}" y1="${y(tick)}" y2="${y(tick)}" class="grid"/><text x="${left - 6}" y="${y(tick) + 4}" class="axis" text-anchor="end">${fmt(tick)}</text>`;
  const every = Math.max(1, Math.ceil(labels.length / 10));
  labels.forEach((name, index) => { if (index % every === 0) body += `<text x="${x(index).toFixed(1)}" y="${bottom + 14}" class="axis" text-anchor="middle">${escapeHtml(name.slice(5))}</text>`; });
  for (const entry of series) {
    let path = '';
    let drawing = false;
    entry.values.forEach((value, index) => {
      if (value === null) { drawing = false; return; }
      path += `${drawing ? 'L' : 'M'}${x(index).toFixed(1)} ${y(value).toFixed(1)} `;
      drawing = true;
      body += `<circle cx="${x(index).toFixed(1)}" cy="${y(value).toFixed(1)}" r="3.5" fill="${entry.color}"><title>${escapeHtml(`${name(labels, index)} · ${entry.name}: ${fmt(value)}`)}</title></circle>`;
    });
    if (path) body += `<path d="${path.trim()}" fill="none" stroke="${entry.color}" stroke-width="2"/>`;
  }
  return `${svgOpen(width, height, label, id)}${body}${legend(series, height - 8)}</svg>`;
}

function name(labels: string[], index: number): string {
  return labels[index] ?? '';
}
