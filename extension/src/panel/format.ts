/** Formatting of the panel's figures (pure, unit-tested). */

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !isFinite(bytes)) {
    return '–';
  }
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = Math.abs(bytes);
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const sign = bytes < 0 ? '-' : '';
  return `${sign}${value >= 100 || unit === 0 ? value.toFixed(0) : value.toFixed(1)} ${units[unit]}`;
}

export function formatPercent(value: number | null | undefined): string {
  return value === null || value === undefined || !isFinite(value) ? '–' : `${value.toFixed(0)}%`;
}

export function formatRate(value: number | null | undefined): string {
  if (value === null || value === undefined || !isFinite(value)) {
    return '–';
  }
  return value >= 1000 ? `${(value / 1000).toFixed(1)}k/s` : `${value.toFixed(0)}/s`;
}

/** Readable ticks for a bytes axis: powers of 1024 scaled to 1, 2 or 5 steps. */
export function byteTicks(max: number, count = 4): number[] {
  if (!(max > 0)) {
    return [0];
  }
  const raw = max / count;
  const base = Math.pow(1024, Math.floor(Math.log(raw) / Math.log(1024)));
  const scaled = raw / base;
  const step =
    (scaled <= 1
      ? 1
      : scaled <= 2
        ? 2
        : scaled <= 5
          ? 5
          : scaled <= 10
            ? 10
            : scaled <= 20
              ? 20
              : scaled <= 50
                ? 50
                : scaled <= 100
                  ? 100
                  : scaled <= 200
                    ? 200
                    : 500) * base;
  const ticks: number[] = [];
  for (let v = 0; v <= max + step / 2; v += step) {
    ticks.push(v);
  }
  return ticks;
}

export interface ContextFigures {
  live_arrays: number;
  live_bytes: number;
  peak_bytes: number;
  pool_used_bytes: number | null;
  pool_held_bytes: number | null;
  device_total_bytes: number | null;
  device_free_bytes: number | null;
  utilization: number | null;
}

export interface Breakdown {
  layers: [string, number][];
  operators: [string, number][];
  bytes: number;
}

export interface Attribution extends Breakdown {
  peak: Breakdown & { time: number | null };
}

export interface Snapshot {
  time: number;
  contexts: Record<string, ContextFigures>;
  process: { rss_bytes: number | null; cpu_percent: number | null };
  ops_per_second: number;
  top_ops: [string, number, number][];
  attribution?: Attribution;
}

/** Live bytes per layer over time (the layers seen so far; null before a layer appears). */
export class LayerTimeline {
  readonly times: number[] = [];
  readonly series = new Map<string, (number | null)[]>();
  constructor(readonly capacity = 300) {}

  push(s: Snapshot): void {
    if (!s.attribution) {
      return;
    }
    this.times.push(s.time);
    const now = new Map(s.attribution.layers);
    for (const name of new Set([...this.series.keys(), ...now.keys()])) {
      let values = this.series.get(name);
      if (!values) {
        values = new Array(this.times.length - 1).fill(null);
        this.series.set(name, values);
      }
      values.push(now.get(name) ?? 0);
    }
    if (this.times.length > this.capacity) {
      this.times.shift();
      for (const values of this.series.values()) {
        values.shift();
      }
    }
  }
}

/** A bounded history of snapshots: time and live bytes per context, for the timeline. */
export class Timeline {
  readonly times: number[] = [];
  readonly series = new Map<string, (number | null)[]>();
  constructor(readonly capacity = 300) {}

  push(s: Snapshot): void {
    this.times.push(s.time);
    const names = new Set([...this.series.keys(), ...Object.keys(s.contexts), 'process RSS']);
    for (const name of names) {
      let values = this.series.get(name);
      if (!values) {
        values = new Array(this.times.length - 1).fill(null);
        this.series.set(name, values);
      }
      values.push(name === 'process RSS' ? s.process.rss_bytes : (s.contexts[name]?.live_bytes ?? null));
    }
    if (this.times.length > this.capacity) {
      this.times.shift();
      for (const values of this.series.values()) {
        values.shift();
      }
    }
  }
}
