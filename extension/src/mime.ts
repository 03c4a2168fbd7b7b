/** The MIME renderer extension: mxnb graph documents are drawn by `GraphRenderer`. */
import { IRenderMime } from '@jupyterlab/rendermime-interfaces';

import { DOT_MIME, DotRenderer } from './graph/dotRenderer';
import { GRAPH_MIME } from './graph/model';
import { GraphRenderer } from './graph/renderer';

export const rendererFactory: IRenderMime.IRendererFactory = {
  safe: true,
  mimeTypes: [GRAPH_MIME],
  createRenderer: options => new GraphRenderer(options)
};

export const dotRendererFactory: IRenderMime.IRendererFactory = {
  safe: true,
  mimeTypes: [DOT_MIME],
  createRenderer: () => new DotRenderer()
};

const extensions: IRenderMime.IExtension[] = [
  {
    id: 'mxnb:graph-renderer',
    description: 'Draws mxnb network graphs (symbols, hybridized blocks, tapes) in the browser.',
    rendererFactory,
    rank: 0,
    dataType: 'json'
  },
  {
    id: 'mxnb:dot-renderer',
    description: 'Draws Graphviz DOT text (mx.viz.plot_network) in the browser, no system Graphviz needed.',
    rendererFactory: dotRendererFactory,
    rank: 0,
    dataType: 'string'
  }
];

export default extensions;
