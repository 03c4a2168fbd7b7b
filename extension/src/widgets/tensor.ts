/**
 * One tensor of the debugger's current node: its statistics, a histogram (uPlot bars) and a
 * heatmap with its colour scale.
 */
import uPlot from 'uplot';

import { normalise, viridis } from './colormap';
import { short, tickLabels } from './numbers';

export interface Histogram {
  edges: number[];
  counts: number[];
}

export interface Heatmap {
  rows: number;
  cols: number;
  /** Row-major values (NaN where not finite), already downsampled by the kernel. */
  values: (number | null)[];
  min: number;
  max: number;
}

export interface TensorInfo {
  name: string;
  source?: string;
  shape: number[];
  dtype: string;
  min: number | null;
  max: number | null;
  mean: number | null;
  std: number | null;
  nan: number;
  inf: number;
  hist: Histogram | null;
  heat: Heatmap | null;
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  cls: string,
  text?: string
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  e.className = cls;
  if (text !== undefined) {
    e.textContent = text;
  }
  return e;
}

/** The statistics as label/value pairs, in the order shown. */
export function statRows(t: TensorInfo): [string, string][] {
  const rows: [string, string][] = [
    ['shape', t.shape.length ? t.shape.join('×') : 'scalar'],
    ['dtype', t.dtype],
    ['min', short(t.min)],
    ['max', short(t.max)],
    ['mean', short(t.mean)],
    ['std', short(t.std)]
  ];
  if (t.nan || t.inf) {
    rows.push(['NaN / Inf', `${t.nan} / ${t.inf}`]);
  }
  return rows;
}

function histogramChart(h: Histogram, width: number): HTMLElement {
  const box = el('div', 'mxnb-tensor-hist');
  const mids = h.counts.map((_, i) => (h.edges[i] + h.edges[i + 1]) / 2);
  const opts: uPlot.Options = {
    width,
    height: 110,
    legend: { show: false },
    cursor: { show: false },
    scales: { x: { time: false } },
    axes: [
      { size: 22, font: '10px sans-serif', values: (_u, ticks) => tickLabels(ticks) },
      { size: 36, font: '10px sans-serif', values: (_u, ticks) => tickLabels(ticks) }
    ],
    series: [
      {},
      {
        label: 'count',
        fill: 'rgba(31,119,180,0.6)',
        stroke: '#1f77b4',
        paths: uPlot.paths.bars!({ size: [0.95, 100] }),
        points: { show: false }
      }
    ]
  };
  new uPlot(opts, [mids, h.counts], box);
  return box;
}

function heatmapCanvas(h: Heatmap, width: number): HTMLElement {
  const box = el('div', 'mxnb-tensor-heat');
  const scale = Math.max(1, Math.min(8, Math.floor(Math.min(width - 70, 200) / Math.max(1, h.cols))));
  const canvas = document.createElement('canvas');
  canvas.width = h.cols;
  canvas.height = h.rows;
  canvas.style.width = `${h.cols * scale}px`;
  canvas.style.height = `${h.rows * scale}px`;
  canvas.className = 'mxnb-tensor-heat-image';
  const ctx = canvas.getContext('2d');
  if (ctx) {
    const image = ctx.createImageData(h.cols, h.rows);
    h.values.forEach((v, i) => {
      const [r, g, b] = v === null ? [255, 0, 255] : viridis(normalise(v, h.min, h.max));
      image.data.set([r, g, b, 255], i * 4);
    });
    ctx.putImageData(image, 0, 0);
  }
  // The colour scale: a vertical bar from min (bottom) to max (top), labelled at both ends.
  const bar = el('div', 'mxnb-colorbar');
  const stops = Array.from({ length: 11 }, (_, i) => `rgb(${viridis(1 - i / 10).join(',')})`);
  const ramp = el('div', 'mxnb-colorbar-ramp');
  ramp.style.background = `linear-gradient(${stops.join(',')})`;
  ramp.style.height = `${Math.max(48, h.rows * scale)}px`;
  const labels = el('div', 'mxnb-colorbar-labels');
  labels.style.height = ramp.style.height;
  labels.append(
    el('span', '', short(h.max)),
    el('span', '', short((h.min + h.max) / 2)),
    el('span', '', short(h.min))
  );
  bar.append(ramp, labels);
  box.append(canvas, bar);
  return box;
}

/** A card for one tensor; `width` is the pixels the card may use. */
export function tensorCard(t: TensorInfo, title: string, width: number): HTMLElement {
  const card = el('div', 'mxnb-tensor');
  card.dataset.tensor = t.name;
  const head = el('div', 'mxnb-tensor-title', `${title} ${t.name}${t.source ? ' ← ' + t.source : ''}`);
  const stats = el('table', 'mxnb-tensor-stats');
  for (const [k, v] of statRows(t)) {
    const tr = stats.insertRow();
    tr.append(el('th', '', k), el('td', '', v));
  }
  const figures = el('div', 'mxnb-tensor-figures');
  const chartWidth = Math.max(160, Math.min(320, width - 200));
  if (t.hist) {
    figures.append(histogramChart(t.hist, chartWidth));
  }
  if (t.heat) {
    figures.append(heatmapCanvas(t.heat, chartWidth));
  }
  const body = el('div', 'mxnb-tensor-body');
  body.append(stats, figures);
  card.append(head, body);
  return card;
}
