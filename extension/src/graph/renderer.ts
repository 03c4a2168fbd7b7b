/**
 * The graph renderer: draws an mxnb graph document with Graphviz (WebAssembly) and makes it
 * explorable: pan (drag), zoom (wheel or buttons), fit, collapse and expand layer groups, and a
 * node's details on click. The debugger's current node is highlighted and centred.
 */
import { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';

import { renderDetails } from './details';
import { toDot } from './dot';
import { buildView, GraphDocument, GraphView, groupId, groupsOf, GRAPH_MIME, parseGraph } from './model';
import { centreOn, fit, fitWidth, natural, naturalScale, pan, toAttribute, ViewBox, zoomAt } from './panzoom';

import { viz } from './viz';

function button(label: string, title: string, onClick: () => void): HTMLButtonElement {
  const b = document.createElement('button');
  b.className = 'mxnb-graph-button jp-Button';
  b.textContent = label;
  b.title = title;
  b.addEventListener('click', onClick);
  return b;
}

export class GraphRenderer extends Widget implements IRenderMime.IRenderer {
  private doc: GraphDocument | null = null;
  private view: GraphView | null = null;
  private collapsed = new Set<string>();
  private svg: SVGSVGElement | null = null;
  private content: ViewBox = { x: 0, y: 0, width: 1, height: 1 };
  private box: ViewBox = { x: 0, y: 0, width: 1, height: 1 };
  private readonly canvas: HTMLDivElement;
  private readonly details: HTMLDivElement;
  private readonly titleEl: HTMLSpanElement;
  private drag: { x: number; y: number } | null = null;
  private selected: string | null = null;

  constructor(options?: IRenderMime.IRendererOptions) {
    super();
    this.addClass('mxnb-graph');
    const toolbar = document.createElement('div');
    toolbar.className = 'mxnb-graph-toolbar';
    this.titleEl = document.createElement('span');
    this.titleEl.className = 'mxnb-graph-title';
    toolbar.append(
      button('Fit', 'Show the whole graph', () => this.applyBox(fit(this.content, ...this.viewport()))),
      button('Fit width', 'Fit the graph to the width', () =>
        this.applyBox(fitWidth(this.content, ...this.viewport()))
      ),
      button('−', 'Zoom out', () => this.applyBox(zoomAt(this.box, 1 / 1.25, 0.5, 0.5, this.content))),
      button('+', 'Zoom in', () => this.applyBox(zoomAt(this.box, 1.25, 0.5, 0.5, this.content))),
      button('Collapse layers', 'Draw each layer as one node', () => this.setCollapsed(groupsOf(this.doc!))),
      button('Expand layers', 'Draw every node', () => this.setCollapsed([])),
      this.titleEl
    );
    this.canvas = document.createElement('div');
    this.canvas.className = 'mxnb-graph-canvas';
    this.details = document.createElement('div');
    this.details.className = 'mxnb-graph-details';
    this.node.append(toolbar, this.canvas, this.details);
    this.canvas.addEventListener('wheel', e => this.onWheel(e), { passive: false });
    this.canvas.addEventListener('pointerdown', e => {
      this.drag = { x: e.clientX, y: e.clientY };
    });
    window.addEventListener('pointerup', () => {
      this.drag = null;
    });
    this.canvas.addEventListener('pointermove', e => {
      if (!this.drag) {
        return;
      }
      const [w] = this.viewport();
      this.applyBox(pan(this.box, e.clientX - this.drag.x, e.clientY - this.drag.y, w));
      this.drag = { x: e.clientX, y: e.clientY };
    });
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    this.doc = parseGraph(model.data[GRAPH_MIME]);
    this.titleEl.textContent = this.doc.title;
    await this.draw(true);
  }

  /** The current view box, for tests and the debugger's scrolling. */
  get viewBox(): ViewBox {
    return { ...this.box };
  }

  private viewport(): [number, number] {
    return [this.canvas.clientWidth || 800, this.canvas.clientHeight || 500];
  }

  private setCollapsed(groups: string[]): void {
    this.collapsed = new Set(groups);
    void this.draw(true);
  }

  private async draw(refit: boolean): Promise<void> {
    const doc = this.doc!;
    this.view = buildView(doc, this.collapsed);
    const svg = (await viz()).renderSVGElement(toDot(this.view, doc.title));
    const [w, h] = [svg.viewBox.baseVal.width, svg.viewBox.baseVal.height];
    this.content = { x: svg.viewBox.baseVal.x, y: svg.viewBox.baseVal.y, width: w, height: h };
    svg.removeAttribute('width');
    svg.removeAttribute('height');
    svg.setAttribute('preserveAspectRatio', 'xMidYMid meet');
    this.canvas.textContent = '';
    this.canvas.appendChild(svg);
    this.svg = svg;
    this.wireClicks(svg);
    // The canvas is as tall as the graph at its natural size, up to 70% of the window: short
    // graphs take little room, tall ones scroll by panning.
    const [vw] = this.viewport();
    const natural_height = h * naturalScale(this.content, vw) + 8;
    this.canvas.style.height = `${Math.round(Math.min(Math.max(200, natural_height), window.innerHeight * 0.7))}px`;
    if (refit) {
      this.box = natural(this.content, ...this.viewport());
    }
    this.applyBox(this.box);
    this.markCurrent();
    renderDetails(this.details, this.view.nodes.find(n => n.id === this.selected) ?? null);
  }

  /** Draws a graph document (the debugger's view uses this outside JupyterLab's MIME machinery). */
  async setDocument(doc: GraphDocument): Promise<void> {
    this.doc = parseGraph(doc);
    this.titleEl.textContent = this.doc.title;
    this.collapsed = new Set();
    await this.draw(true);
  }

  /** Moves the highlight to node `id` (or the collapsed layer holding it) and centres it, without
   * a new layout. */
  setHighlight(id: string | null): void {
    if (this.doc) {
      this.doc.highlight = id;
    }
    this.markCurrent();
  }

  /** The id of the drawn node carrying the highlight, for tests and the debugger. */
  get currentId(): string | null {
    return this.svg?.querySelector('g.node.mxnb-current')?.getAttribute('id') ?? null;
  }

  private markCurrent(): void {
    const svg = this.svg;
    const id = this.doc?.highlight ?? null;
    if (!svg || !this.view) {
      return;
    }
    svg.querySelectorAll('g.node.mxnb-current').forEach(el => el.classList.remove('mxnb-current'));
    if (!id) {
      return;
    }
    const shown = this.view.nodes.find(v => v.id === id || v.members?.some(m => m.id === id));
    const el = shown ? svg.querySelector(`[id="${CSS.escape(shown.id)}"]`) : null;
    if (el) {
      el.classList.add('mxnb-current');
      // The node's box is in the coordinates of Graphviz's top group, which is translated
      // inside the SVG: map its centre through that transform into the viewBox's coordinates.
      const b = (el as SVGGraphicsElement).getBBox();
      const top = svg.querySelector('g.graph') as SVGGraphicsElement | null;
      const matrix = top?.transform.baseVal.consolidate()?.matrix;
      const point = new DOMPoint(b.x + b.width / 2, b.y + b.height / 2);
      const centre = matrix ? point.matrixTransform(matrix) : point;
      // A graph fitted to a narrow pane can be too small to read: show the current node at
      // no less than 0.8 screen pixels per point.
      const [vw, vh] = this.viewport();
      const readable =
        vw / this.box.width < 0.8 ? { ...this.box, width: vw / 0.8, height: vh / 0.8 } : this.box;
      this.applyBox(centreOn(readable, centre.x, centre.y));
    }
  }

  private applyBox(box: ViewBox): void {
    this.box = box;
    this.svg?.setAttribute('viewBox', toAttribute(box));
    this.node.dataset.viewbox = toAttribute(box);
  }

  private onWheel(e: WheelEvent): void {
    e.preventDefault();
    const rect = this.canvas.getBoundingClientRect();
    const fx = (e.clientX - rect.left) / Math.max(1, rect.width);
    const fy = (e.clientY - rect.top) / Math.max(1, rect.height);
    this.applyBox(zoomAt(this.box, e.deltaY < 0 ? 1.15 : 1 / 1.15, fx, fy, this.content));
  }

  private wireClicks(svg: SVGSVGElement): void {
    svg.querySelectorAll('g.node').forEach(el => {
      el.addEventListener('click', () => {
        const id = el.getAttribute('id');
        const v = this.view!.nodes.find(n => n.id === id) ?? null;
        if (v && v.kind === 'group') {
          this.collapsed.delete(v.label);
          void this.draw(false);
          return;
        }
        svg.querySelectorAll('g.node.mxnb-selected').forEach(s => s.classList.remove('mxnb-selected'));
        el.classList.add('mxnb-selected');
        this.selected = id;
        renderDetails(this.details, v);
      });
    });
    svg.querySelectorAll('g.cluster').forEach(el => {
      const title = el.querySelector('text');
      title?.addEventListener('click', () => {
        const id = el.getAttribute('id') ?? '';
        this.collapsed.add(id.replace(/^cluster:/, ''));
        void this.draw(false);
      });
    });
  }
}

export function isGroupNode(id: string): boolean {
  return id.startsWith(groupId(''));
}
