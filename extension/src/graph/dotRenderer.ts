/**
 * DOT text (MIME type text/vnd.graphviz: mx.viz.plot_network's Digraph) drawn in the browser with
 * Graphviz compiled to WebAssembly, fitted to the cell's width. No system Graphviz is needed.
 */
import { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';

import { viz } from './viz';

export const DOT_MIME = 'text/vnd.graphviz';

export class DotRenderer extends Widget implements IRenderMime.IRenderer {
  constructor() {
    super();
    this.addClass('mxnb-dot');
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const source = String(model.data[DOT_MIME] ?? '');
    const svg = (await viz()).renderSVGElement(source);
    const width = svg.viewBox.baseVal.width;
    svg.style.maxWidth = '100%';
    svg.style.height = 'auto';
    svg.setAttribute('width', `${Math.round(width * (96 / 72))}`);
    svg.removeAttribute('height');
    this.node.textContent = '';
    this.node.appendChild(svg);
  }
}
