/**
 * Line charts drawn with uPlot (the training monitor's curves, gradient norms, the dashboard's
 * histories): readable ticks and a legend below the plot, never over the data.
 */
import uPlot from 'uplot';

import { element, WidgetModel } from './model';
import { tickLabels } from './numbers';
import { alignLines, Line, logTickLabels } from './series';

export interface ChartSpec {
  title: string;
  x_label: string;
  y_label: string;
  log_y: boolean;
  lines: Line[];
}

export interface Panel {
  charts: ChartSpec[];
}

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

export function drawChart(spec: ChartSpec, width: number, target: HTMLElement): uPlot {
  const logY = spec.log_y && spec.lines.every(l => l.y.every(v => v === null || v > 0));
  const opts: uPlot.Options = {
    title: spec.title,
    width,
    height: 220,
    legend: { show: true, live: false },
    cursor: { drag: { x: true, y: false } },
    scales: { x: { time: false }, y: logY ? { distr: 3, log: 10 } : {} },
    axes: [
      {
        label: spec.x_label,
        size: 36,
        labelSize: 16,
        font: '11px sans-serif',
        values: (_u, t) => tickLabels(t)
      },
      {
        label: spec.y_label,
        size: 56,
        labelSize: 16,
        font: '11px sans-serif',
        values: (_u, t) => (logY ? logTickLabels(t) : tickLabels(t))
      }
    ],
    series: [
      { label: spec.x_label },
      ...spec.lines.map((l, i) => ({
        label: l.label,
        stroke: PALETTE[i % PALETTE.length],
        width: 1.5,
        spanGaps: true,
        points: { show: l.x.length < 30 }
      }))
    ]
  };
  return new uPlot(opts, alignLines(spec.lines) as uPlot.AlignedData, target);
}

/** A widget of several charts side by side (wrapping on narrow pages). */
export function renderCharts(model: WidgetModel, el: HTMLElement): () => void {
  const root = element('div', 'mxnb-charts');
  el.append(root);
  function update(): void {
    const panel = (model.get('panel') ?? { charts: [] }) as Panel;
    root.textContent = '';
    const available = root.clientWidth || el.clientWidth || 800;
    const perRow = panel.charts.length > 1 && available >= 760 ? 2 : 1;
    const width = Math.floor(available / perRow) - 16;
    for (const spec of panel.charts) {
      const box = element('div', 'mxnb-chart');
      box.dataset.title = spec.title;
      root.append(box);
      if (spec.lines.some(l => l.x.length > 0)) {
        drawChart(spec, Math.max(260, width), box);
      } else {
        box.append(element('div', 'mxnb-chart-empty', `${spec.title}: no data yet`));
      }
    }
  }
  model.on('change:panel', update);
  update();
  return () => model.off('change:panel', update);
}
