import { describe, expect, it } from 'vitest';

import {
  byteTicks,
  formatBytes,
  formatPercent,
  formatRate,
  Snapshot,
  Timeline,
  LayerTimeline,
  Snapshot
} from '../src/panel/format';

function snapshot(time: number, live: number, rss: number, extra?: string): Snapshot {
  const ctx = {
    live_arrays: 1,
    live_bytes: live,
    peak_bytes: live,
    pool_used_bytes: null,
    pool_held_bytes: null,
    device_total_bytes: null,
    device_free_bytes: null,
    utilization: null
  };
  const contexts: Snapshot['contexts'] = { 'cpu(0)': ctx };
  if (extra) {
    contexts[extra] = { ...ctx, live_bytes: 7 };
  }
  return { time, contexts, process: { rss_bytes: rss, cpu_percent: 50 }, ops_per_second: 1500, top_ops: [] };
}

describe('formatting', () => {
  it('writes bytes in binary units', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(300 * 1024 * 1024)).toBe('300 MiB');
    expect(formatBytes(null)).toBe('–');
  });

  it('writes rates and percentages', () => {
    expect(formatRate(1500)).toBe('1.5k/s');
    expect(formatRate(12)).toBe('12/s');
    expect(formatPercent(33.3)).toBe('33%');
    expect(formatPercent(null)).toBe('–');
  });

  it('gives round byte ticks covering the maximum', () => {
    const ticks = byteTicks(100 * 1024 * 1024);
    expect(ticks[0]).toBe(0);
    expect(ticks[ticks.length - 1]).toBeGreaterThanOrEqual(100 * 1024 * 1024 * 0.9);
    for (const t of ticks) {
      expect(Number.isInteger(t / (1024 * 1024))).toBe(true);
    }
  });
});

describe('timeline', () => {
  it('keeps aligned series and drops the oldest samples', () => {
    const t = new Timeline(3);
    t.push(snapshot(1, 10, 100));
    t.push(snapshot(2, 20, 200, 'cpu(1)'));
    t.push(snapshot(3, 30, 300));
    t.push(snapshot(4, 40, 400));
    expect(t.times).toEqual([2, 3, 4]);
    expect(t.series.get('cpu(0)')).toEqual([20, 30, 40]);
    expect(t.series.get('cpu(1)')).toEqual([7, null, null]);
    expect(t.series.get('process RSS')).toEqual([200, 300, 400]);
  });
});

describe('LayerTimeline', () => {
  it('keeps one series per layer, null before a layer appears, 0 once it holds nothing', () => {
    const snap = (time: number, layers: [string, number][]) =>
      ({
        time,
        contexts: {},
        process: { rss_bytes: null, cpu_percent: null },
        ops_per_second: 0,
        top_ops: [],
        attribution: {
          layers,
          operators: [],
          bytes: 0,
          peak: { layers: [], operators: [], bytes: 0, time: null }
        }
      }) as Snapshot;
    const t = new LayerTimeline(3);
    t.push(snap(1, [['dense0', 100]]));
    t.push(snap(2, [['dense1', 50]]));
    t.push(snap(3, [['dense0', 300]]));
    t.push(snap(4, []));
    expect(t.times).toEqual([2, 3, 4]);
    expect(t.series.get('dense0')).toEqual([0, 300, 0]);
    expect(t.series.get('dense1')).toEqual([50, 0, 0]);
  });
});
