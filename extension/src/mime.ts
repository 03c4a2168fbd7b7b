/** The MIME renderer extension: mxnb graph documents are drawn by `GraphRenderer`. */
import { IRenderMime } from '@jupyterlab/rendermime-interfaces';

import { GRAPH_MIME } from './graph/model';
import { GraphRenderer } from './graph/renderer';

export const rendererFactory: IRenderMime.IRendererFactory = {
  safe: true,
  mimeTypes: [GRAPH_MIME],
  createRenderer: options => new GraphRenderer(options)
};

const extension: IRenderMime.IExtension = {
  id: 'mxnb:graph-renderer',
  description: 'Draws mxnb network graphs (symbols, hybridized blocks, tapes) in the browser.',
  rendererFactory,
  rank: 0,
  dataType: 'json'
};

export default extension;
