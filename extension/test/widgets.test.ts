import { describe, expect, it } from 'vitest';

import { alignLines, logTickLabels } from '../src/widgets/series';
import { normalise, viridis } from '../src/widgets/colormap';
import { actionOf } from '../src/widgets/keys';
import { short, tickLabels } from '../src/widgets/numbers';

describe('numbers', () => {
  it('writes short numbers without exponent-of-exponent forms', () => {
    expect(short(0.50171234)).toBe('0.5017');
    expect(short(1234567)).toBe('1.23e6');
    expect(short(0.00001234)).toBe('1.23e-5');
    expect(short(null)).toBe('–');
    expect(short(Number.NaN)).toBe('NaN');
    expect(short(-Infinity)).toBe('−∞');
  });

  it('labels ticks with the decimals their step needs, the same on every tick', () => {
    expect(tickLabels([0, 0.25, 0.5, 0.75])).toEqual(['0.00', '0.25', '0.50', '0.75']);
    expect(tickLabels([0, 20, 40])).toEqual(['0', '20', '40']);
    expect(tickLabels([0, 200000, 400000])).toEqual(['0', '2.0e5', '4.0e5']);
  });

  it('labels log ticks at the powers of ten as plain numbers', () => {
    expect(logTickLabels([0.01, 0.1, 1, 10, 100])).toEqual(['0.01', '0.1', '1', '10', '100']);
    expect(logTickLabels([2, 1e5])).toEqual(['', '1e5']);
  });
});

describe('colour scale', () => {
  it('runs from dark purple to yellow and clamps', () => {
    expect(viridis(0)).toEqual([68, 1, 84]);
    expect(viridis(1)).toEqual([253, 231, 37]);
    expect(viridis(2)).toEqual(viridis(1));
    expect(viridis(Number.NaN)).toEqual(viridis(0));
  });

  it('maps a constant array to the middle', () => {
    expect(normalise(3, 3, 3)).toBe(0.5);
    expect(normalise(5, 0, 10)).toBe(0.5);
  });
});

describe('charts', () => {
  it('aligns lines on one sorted x axis with gaps for missing points', () => {
    const data = alignLines([
      { label: 'train', x: [1, 2, 3], y: [1, 0.5, 0.25] },
      { label: 'valid', x: [2, 4], y: [0.6, Number.NaN] }
    ]);
    expect(data).toEqual([
      [1, 2, 3, 4],
      [1, 0.5, 0.25, null],
      [null, 0.6, null, null]
    ]);
  });
});

describe('debugger keys', () => {
  it('maps keys to actions and leaves modified keys alone', () => {
    expect(actionOf('s', false)).toBe('step');
    expect(actionOf('ArrowLeft', false)).toBe('back');
    expect(actionOf('c', false)).toBe('continue');
    expect(actionOf('c', true)).toBeNull();
    expect(actionOf('x', false)).toBeNull();
  });
});
