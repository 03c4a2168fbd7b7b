/**
 * The widgets' views as one ES module for anywidget, so they render wherever ipywidgets 8 does
 * (JupyterLab, Notebook 7, VS Code, Colab). The kernel side picks the view with the `kind` trait.
 * Two bundles: the charts (uPlot, small) and the debugger (with Graphviz WebAssembly).
 */
import 'uplot/dist/uPlot.min.css';
import '../../style/base.css';

import { WidgetModel } from './model';

export type View = (model: WidgetModel, el: HTMLElement) => () => void;
export type Render = (args: { model: WidgetModel; el: HTMLElement }) => () => void;

/** anywidget's module: `render` picks the view named by the model's `kind`. */
export function widgetModule(VIEWS: Record<string, View>): { render: Render } {
  return { render };

  function render({ model, el }: { model: WidgetModel; el: HTMLElement }): () => void {
    const kind = model.get('kind') as string;
    const view = VIEWS[kind];
    if (!view) {
      el.textContent = `mxnb: no view for a widget of kind ${kind}`;
      return () => undefined;
    }
    el.classList.add('mxnb-widget');
    return view(model, el);
  }
}
