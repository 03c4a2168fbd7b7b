/** Pan and zoom as a pure state: the renderer applies it as an SVG viewBox. */

export interface ViewBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const MIN_SCALE = 0.05;
export const MAX_SCALE = 20;
/** Graphviz lays out in points (1/72 in); screens draw 96 pixels an inch. */
export const NATURAL_SCALE = 96 / 72;

/** The box showing all of a `content` box at the viewport's aspect ratio, centred. */
export function fit(content: ViewBox, viewportWidth: number, viewportHeight: number): ViewBox {
  const aspect = viewportWidth / Math.max(1, viewportHeight);
  let width = content.width;
  let height = content.height;
  if (width / height > aspect) {
    height = width / aspect;
  } else {
    width = height * aspect;
  }
  return {
    x: content.x - (width - content.width) / 2,
    y: content.y - (height - content.height) / 2,
    width,
    height
  };
}

/** Fit to the content's width (tall graphs scroll by panning), starting at its top. */
export function fitWidth(content: ViewBox, viewportWidth: number, viewportHeight: number): ViewBox {
  const width = content.width;
  const height = width * (viewportHeight / Math.max(1, viewportWidth));
  return { x: content.x, y: content.y, width, height };
}

/** Zoom by `factor` (> 1 zooms in) keeping the point at fractions (fx, fy) of the box fixed. */
export function zoomAt(box: ViewBox, factor: number, fx: number, fy: number, content: ViewBox): ViewBox {
  const scale = content.width / box.width;
  const target = Math.min(MAX_SCALE, Math.max(MIN_SCALE, scale * factor));
  const width = content.width / target;
  const height = box.height * (width / box.width);
  const px = box.x + fx * box.width;
  const py = box.y + fy * box.height;
  return { x: px - fx * width, y: py - fy * height, width, height };
}

/** Move the box by (dx, dy) screen pixels of a viewport `viewportWidth` pixels wide. */
export function pan(box: ViewBox, dx: number, dy: number, viewportWidth: number): ViewBox {
  const unitsPerPixel = box.width / Math.max(1, viewportWidth);
  return { ...box, x: box.x - dx * unitsPerPixel, y: box.y - dy * unitsPerPixel };
}

/** The box of the same size centred on (cx, cy). */
export function centreOn(box: ViewBox, cx: number, cy: number): ViewBox {
  return { ...box, x: cx - box.width / 2, y: cy - box.height / 2 };
}

export function toAttribute(box: ViewBox): string {
  return `${box.x} ${box.y} ${box.width} ${box.height}`;
}

/** One graph unit per screen pixel, shrunk to fit the width when the graph is wider; the top of
 * the graph at the top, centred across. */
export function natural(content: ViewBox, viewportWidth: number, viewportHeight: number): ViewBox {
  const scale = naturalScale(content, viewportWidth);
  const width = viewportWidth / scale;
  const height = viewportHeight / scale;
  return { x: content.x - (width - content.width) / 2, y: content.y, width, height };
}

/** Screen pixels per graph unit at the natural size. */
export function naturalScale(content: ViewBox, viewportWidth: number): number {
  return Math.min(NATURAL_SCALE, viewportWidth / Math.max(1, content.width));
}
