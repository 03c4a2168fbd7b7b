import { describe, expect, it } from 'vitest';

import { centreOn, fit, fitWidth, MAX_SCALE, natural, naturalScale, pan, zoomAt } from '../src/graph/panzoom';

const content = { x: 0, y: 0, width: 400, height: 1000 };

describe('pan and zoom', () => {
  it('fits the whole content at the viewport aspect ratio', () => {
    const box = fit(content, 800, 500);
    expect(box.height).toBe(1000);
    expect(box.width).toBeCloseTo(1600);
    expect(box.x).toBeCloseTo(-600);
  });

  it('fits the width from the top', () => {
    expect(fitWidth(content, 800, 400)).toEqual({ x: 0, y: 0, width: 400, height: 200 });
  });

  it('zooms about a point that stays fixed', () => {
    const box = { x: 0, y: 0, width: 400, height: 200 };
    const zoomed = zoomAt(box, 2, 0.25, 0.5, content);
    expect(zoomed.width).toBeCloseTo(200);
    // the point at a quarter of the width stays where it was
    expect(zoomed.x + 0.25 * zoomed.width).toBeCloseTo(box.x + 0.25 * box.width);
    expect(zoomed.y + 0.5 * zoomed.height).toBeCloseTo(box.y + 0.5 * box.height);
  });

  it('clamps the zoom', () => {
    const box = { x: 0, y: 0, width: 400, height: 200 };
    const zoomed = zoomAt(box, 1e6, 0.5, 0.5, content);
    expect(content.width / zoomed.width).toBeCloseTo(MAX_SCALE);
  });

  it('pans by screen pixels and centres on a point', () => {
    const box = { x: 0, y: 0, width: 400, height: 200 };
    expect(pan(box, 100, -50, 800)).toEqual({ x: -50, y: 25, width: 400, height: 200 });
    expect(centreOn(box, 300, 300)).toEqual({ x: 100, y: 200, width: 400, height: 200 });
  });
});

describe('natural size', () => {
  it('shows a narrow graph at one unit per pixel, centred, from the top', () => {
    const box = natural({ x: 0, y: -500, width: 200, height: 500 }, 800, 300);
    expect(box.width).toBeCloseTo(600);
    expect(box.height).toBeCloseTo(225);
    expect(box.x).toBeCloseTo(-200);
    expect(box.y).toBe(-500);
  });

  it('shrinks a wide graph to the width', () => {
    expect(naturalScale({ x: 0, y: 0, width: 1600, height: 100 }, 800)).toBeCloseTo(0.5);
  });
});
