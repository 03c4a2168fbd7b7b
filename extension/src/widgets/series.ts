/** Chart data without the drawing: lines aligned for uPlot, log-scale tick labels. */

export interface Line {
  label: string;
  x: number[];
  y: (number | null)[];
}

/** The lines merged on one shared, sorted x axis (uPlot's data layout); gaps are null. */
export function alignLines(lines: Line[]): (number | null)[][] {
  const xs = Array.from(new Set(lines.flatMap(l => l.x))).sort((a, b) => a - b);
  const columns: (number | null)[][] = [xs];
  for (const line of lines) {
    const at = new Map(line.x.map((x, i) => [x, line.y[i]]));
    columns.push(
      xs.map(x => {
        const v = at.get(x);
        return v === undefined || v === null || !Number.isFinite(v) ? null : v;
      })
    );
  }
  return columns;
}

/** Labels for log-scale ticks: plain numbers (0.01, 0.1, 1, 10), not exponents of exponents. */
export function logTickLabels(ticks: number[]): string[] {
  return ticks.map(t => {
    if (!(t > 0)) {
      return '';
    }
    const e = Math.log10(t);
    if (Math.abs(e - Math.round(e)) > 1e-6) {
      return '';
    }
    return Math.abs(e) >= 4 ? `1e${Math.round(e)}` : String(Number(t.toPrecision(1)));
  });
}
