/** mxnb's JupyterLab extension: the graph renderer (mime.ts) and the devices panel (plugin.ts). */
export { default as graphRenderer } from './mime';
export { default as devicesPanel } from './plugin';
export * from './graph/model';
export * from './graph/dot';
export * from './graph/panzoom';
