/** One Graphviz (WebAssembly) instance, loaded on first use. */
export type Viz = { renderSVGElement(dot: string): SVGSVGElement };
let vizPromise: Promise<Viz> | null = null;

export function viz(): Promise<Viz> {
  if (!vizPromise) {
    vizPromise = import('@viz-js/viz').then(m => m.instance() as Promise<Viz>);
  }
  return vizPromise;
}
