/**
 * The "mxnb devices" side panel: follows the kernel of the active notebook and shows, live while
 * a cell trains, each context's arrays and memory, the process, operators per second and the
 * slowest operators, and a memory timeline. The kernel streams a Dashboard's figures over the
 * Jupyter comm 'mxnb.devices' (mxnb/notebook/devices_comm.py).
 */
import { INotebookTracker } from '@jupyterlab/notebook';
import { Kernel } from '@jupyterlab/services';
import { Widget } from '@lumino/widgets';
import uPlot from 'uplot';

import {
  Attribution,
  byteTicks,
  formatBytes,
  formatPercent,
  formatRate,
  LayerTimeline,
  Snapshot,
  Timeline
} from './format';

export const COMM_TARGET = 'mxnb.devices';
const REGISTER = 'import mxnb.notebook.devices_comm as _mxnb_devices\n_mxnb_devices.register()';
const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];

export class DevicesPanel extends Widget {
  private comm: Kernel.IComm | null = null;
  private kernel: Kernel.IKernelConnection | null = null;
  private readonly status: HTMLDivElement;
  private readonly tables: HTMLDivElement;
  private readonly chartHost: HTMLDivElement;
  private readonly owners: HTMLDivElement;
  private readonly layerChartHost: HTMLDivElement;
  private chart: uPlot | null = null;
  private chartNames: string[] = [];
  private layerChart: uPlot | null = null;
  private layerChartNames: string[] = [];
  private timeline = new Timeline();
  private layers = new LayerTimeline();
  /** Snapshots received: the browser tests read it to see the figures move. */
  received = 0;

  constructor(private readonly tracker: INotebookTracker) {
    super();
    this.id = 'mxnb-devices';
    this.addClass('mxnb-devices');
    this.title.label = 'mxnb devices';
    this.title.caption = "Live arrays, memory and operators of the active notebook's kernel";
    this.title.closable = true;
    this.status = document.createElement('div');
    this.status.className = 'mxnb-devices-status';
    this.tables = document.createElement('div');
    this.tables.className = 'mxnb-devices-tables';
    this.chartHost = document.createElement('div');
    this.chartHost.className = 'mxnb-devices-chart';
    this.owners = document.createElement('div');
    this.owners.className = 'mxnb-devices-owners';
    this.layerChartHost = document.createElement('div');
    this.layerChartHost.className = 'mxnb-devices-layer-chart';
    this.node.append(this.status, this.tables, this.chartHost, this.owners, this.layerChartHost);
    this.setStatus("Open a notebook: its kernel's devices show here.");
    tracker.currentChanged.connect(() => void this.follow());
  }

  protected onAfterAttach(): void {
    void this.follow();
  }

  dispose(): void {
    this.disconnect();
    this.chart?.destroy();
    this.layerChart?.destroy();
    super.dispose();
  }

  private setStatus(text: string): void {
    this.status.textContent = text;
  }

  private disconnect(): void {
    if (this.comm && !this.comm.isDisposed) {
      try {
        this.comm.close();
      } catch {
        // the kernel may be gone already
      }
    }
    this.comm = null;
  }

  /** Connects to the kernel of the current notebook (again when it changes or restarts). */
  private async follow(): Promise<void> {
    const panel = this.tracker.currentWidget;
    if (!panel) {
      return;
    }
    await panel.sessionContext.ready;
    const kernel = panel.sessionContext.session?.kernel ?? null;
    if (!kernel || kernel === this.kernel) {
      return;
    }
    this.disconnect();
    this.kernel = kernel;
    this.timeline = new Timeline();
    this.layers = new LayerTimeline();
    this.chart?.destroy();
    this.chart = null;
    this.layerChart?.destroy();
    this.layerChart = null;
    this.setStatus(`Connecting to ${panel.title.label} …`);
    const reply = await kernel.requestExecute({ code: REGISTER, silent: true, store_history: false }).done;
    if (reply.content.status !== 'ok') {
      this.setStatus(`${panel.title.label}: mxnb is not importable in this kernel.`);
      return;
    }
    const comm = kernel.createComm(COMM_TARGET);
    comm.onMsg = msg => this.onSnapshot(msg.content.data as unknown as { snapshot: Snapshot });
    comm.onClose = () => this.setStatus('The kernel closed the devices stream.');
    comm.open({ interval: 0.5 });
    this.comm = comm;
    kernel.statusChanged.connect((_, status) => {
      if (status === 'restarting' || status === 'dead') {
        this.kernel = null;
        void this.follow();
      }
    });
    this.setStatus(`${panel.title.label}`);
  }

  private onSnapshot(message: { snapshot: Snapshot }): void {
    const s = message.snapshot;
    if (!s) {
      return;
    }
    this.received += 1;
    this.node.dataset.received = String(this.received);
    this.timeline.push(s);
    this.layers.push(s);
    this.renderTables(s);
    this.renderChart();
    if (s.attribution) {
      this.renderOwners(s.attribution);
      this.renderLayerChart();
    }
  }

  /** Who holds the live NDArray memory, now and at the (sampled) peak, by layer and operator. */
  private renderOwners(a: Attribution): void {
    const table = (cls: string, title: string, rows: [string, number][]): HTMLTableElement => {
      const t = document.createElement('table');
      t.className = `mxnb-devices-owners-table ${cls}`;
      t.createCaption().textContent = title;
      for (const [name, bytes] of rows) {
        const r = t.insertRow();
        r.insertCell().textContent = name;
        r.insertCell().textContent = formatBytes(bytes);
      }
      return t;
    };
    const title = document.createElement('h4');
    title.textContent = 'live memory by layer and operator';
    const hint = document.createElement('p');
    hint.className = 'mxnb-devices-hint';
    hint.textContent = a.layers.some(([n]) => n !== '(no layer)')
      ? `now ${formatBytes(a.bytes)}; peak ${formatBytes(a.peak.bytes)}`
      : 'Layers are named after mxnb.notebook.watch_layers(net).';
    this.owners.replaceChildren(
      title,
      hint,
      table('now-layers', 'layers now', a.layers),
      table('peak-layers', 'layers at the peak', a.peak.layers),
      table('now-operators', 'operators now', a.operators),
      table('peak-operators', 'operators at the peak', a.peak.operators)
    );
  }

  private renderLayerChart(): void {
    const names = [...this.layers.series.keys()];
    const width = Math.max(240, this.layerChartHost.clientWidth || 300);
    const data = [this.layers.times, ...this.layers.series.values()] as uPlot.AlignedData;
    if (!this.layerChart || names.join() !== this.layerChartNames.join()) {
      this.layerChart?.destroy();
      this.layerChartNames = names;
      const opts: uPlot.Options = {
        title: 'memory timeline by layer',
        width,
        height: 200,
        legend: { show: true, live: false },
        scales: { x: { time: true } },
        axes: [
          {},
          {
            size: 70,
            splits: (u: uPlot) => byteTicks(u.scales.y.max ?? 0),
            values: (_u: uPlot, ticks: number[]) => ticks.map(v => formatBytes(v))
          }
        ],
        series: [{}, ...names.map((n, i) => ({ label: n, stroke: PALETTE[i % PALETTE.length], width: 1.5 }))]
      };
      this.layerChart = new uPlot(opts, data, this.layerChartHost);
    } else {
      this.layerChart.setData(data);
    }
  }

  private renderTables(s: Snapshot): void {
    // One small table per context (figure, value): it fits a narrow side panel.
    const cards: HTMLElement[] = [];
    for (const [name, c] of Object.entries(s.contexts)) {
      const t = document.createElement('table');
      t.className = 'mxnb-devices-context';
      t.dataset.context = name;
      const caption = t.createCaption();
      caption.textContent = name;
      const rows: [string, string, string][] = [
        ['arrays', 'live arrays', String(c.live_arrays)],
        ['live', 'live bytes', formatBytes(c.live_bytes)],
        ['peak', 'peak bytes', formatBytes(c.peak_bytes)]
      ];
      if (c.pool_used_bytes !== null) {
        rows.push([
          'pool',
          'memory pool',
          `${formatBytes(c.pool_used_bytes)} of ${formatBytes(c.pool_held_bytes)}`
        ]);
      }
      if (c.device_free_bytes !== null) {
        rows.push([
          'device',
          'device free',
          `${formatBytes(c.device_free_bytes)} of ${formatBytes(c.device_total_bytes)}`
        ]);
      }
      rows.push(['util', 'utilisation', formatPercent(c.utilization)]);
      for (const [key, label, value] of rows) {
        const r = t.insertRow();
        r.insertCell().textContent = label;
        const cell = r.insertCell();
        cell.className = key;
        cell.textContent = value;
      }
      cards.push(t);
    }
    const process = document.createElement('p');
    process.className = 'mxnb-devices-process';
    process.textContent =
      `process: RSS ${formatBytes(s.process.rss_bytes)}, CPU ${formatPercent(s.process.cpu_percent)}; ` +
      `operators ${formatRate(s.ops_per_second)}`;
    const slow = document.createElement('ol');
    slow.className = 'mxnb-devices-slowest';
    for (const [name, seconds, count] of s.top_ops) {
      const li = document.createElement('li');
      li.textContent = `${name}: ${(seconds * 1000).toFixed(1)} ms in ${count} calls`;
      slow.appendChild(li);
    }
    const title = document.createElement('h4');
    title.textContent = 'slowest operators';
    this.tables.replaceChildren(...cards, process, title, slow);
  }

  private renderChart(): void {
    const names = [...this.timeline.series.keys()];
    const width = Math.max(240, this.chartHost.clientWidth || 300);
    if (!this.chart || names.join() !== this.chartNames.join()) {
      this.chart?.destroy();
      this.chartNames = names;
      const opts: uPlot.Options = {
        title: 'memory',
        width,
        height: 200,
        legend: { show: true, live: false },
        scales: { x: { time: true } },
        axes: [
          {},
          {
            size: 70,
            splits: (u: uPlot) => byteTicks(u.scales.y.max ?? 0),
            values: (_u: uPlot, ticks: number[]) => ticks.map(v => formatBytes(v))
          }
        ],
        series: [{}, ...names.map((n, i) => ({ label: n, stroke: PALETTE[i % PALETTE.length], width: 1.5 }))]
      };
      this.chart = new uPlot(opts, this.data(), this.chartHost);
    } else {
      this.chart.setData(this.data());
    }
  }

  private data(): uPlot.AlignedData {
    return [this.timeline.times, ...[...this.timeline.series.values()]] as uPlot.AlignedData;
  }
}
