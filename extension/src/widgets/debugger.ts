/**
 * The debugger's view: buttons and keyboard shortcuts, a timeline of the forward and backward
 * nodes, the graph of the current phase with the current node highlighted and centred, and the
 * current node's inputs, outputs and gradients (statistics, histogram, heatmap).
 *
 * The kernel owns the state: every button, key and timeline click sends an action, and the view
 * redraws from the model's `timeline`, `position`, `node` and `graphs`.
 */
import { GraphRenderer } from '../graph/renderer';
import { GraphDocument } from '../graph/model';
import { element, WidgetModel } from './model';
import { actionOf } from './keys';
import { tensorCard, TensorInfo } from './tensor';

export interface TimelineEntry {
  index: number;
  phase: 'forward' | 'backward';
  name: string;
  op: string;
  layer: string;
  nonfinite: boolean;
}

export interface NodeState {
  index: number;
  phase: string | null;
  name: string | null;
  op: string | null;
  layer: string;
  owner: string | null;
  attrs: Record<string, string>;
  stop_reason: string | null;
  where: string;
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  gradients: TensorInfo[];
}

const BUTTONS: [string, string, string][] = [
  ['Step', 'step', 'Run one node (s, →)'],
  ['Step over', 'step_over', 'Run the next layer (o)'],
  ['Continue', 'continue', 'Run to the next breakpoint (c)'],
  ['Back', 'back', 'Go back one node (b, ←)'],
  ['Run', 'run', 'Run to the end (r)'],
  ['Reset', 'reset', 'Run the pass again and go to the start (Home)']
];

export function renderDebugger(model: WidgetModel, el: HTMLElement): () => void {
  const root = element('div', 'mxnb-debugger');
  root.tabIndex = 0;
  // JupyterLab's command-mode shortcuts (c copies a cell, b inserts one) must not see our keys.
  root.dataset.lmSuppressShortcuts = 'true';
  const toolbar = element('div', 'mxnb-debugger-toolbar');
  for (const [label, action, title] of BUTTONS) {
    const b = element('button', 'mxnb-graph-button jp-Button', label);
    b.title = title;
    b.dataset.action = action;
    b.addEventListener('click', () => model.send({ action }));
    toolbar.append(b);
  }
  const status = element('span', 'mxnb-debugger-status');
  toolbar.append(status);
  const timeline = element('div', 'mxnb-timeline');
  const main = element('div', 'mxnb-debugger-main');
  const graphPane = element('div', 'mxnb-debugger-graph');
  const details = element('div', 'mxnb-debugger-details');
  main.append(graphPane, details);
  root.append(toolbar, timeline, main);
  el.append(root);

  // The renderer is a Lumino widget, but anywidget's element is not in the page yet when render
  // runs (Widget.attach would refuse): its node is placed directly, it needs no Lumino messages.
  const graph = new GraphRenderer();
  graphPane.appendChild(graph.node);
  let shownPhase: string | null = null;

  root.addEventListener('keydown', e => {
    const action = actionOf(e.key, e.ctrlKey || e.metaKey || e.altKey);
    if (action) {
      e.preventDefault();
      e.stopPropagation();
      model.send({ action });
    }
  });

  function drawTimeline(): void {
    const entries = (model.get('timeline') ?? []) as TimelineEntry[];
    const position = model.get('position') as number;
    timeline.textContent = '';
    for (const phase of ['forward', 'backward']) {
      const row = element('div', 'mxnb-timeline-row');
      row.append(element('span', 'mxnb-timeline-label', phase));
      for (const entry of entries.filter(x => x.phase === phase)) {
        const chip = element('button', 'mxnb-timeline-node', entry.op);
        chip.title = `${entry.index + 1}: ${entry.name} (${entry.op})${entry.layer ? ', layer ' + entry.layer : ''}`;
        chip.dataset.index = String(entry.index);
        chip.classList.toggle('mxnb-done', entry.index < position);
        chip.classList.toggle('mxnb-current', entry.index === position);
        chip.classList.toggle('mxnb-nonfinite', entry.nonfinite && entry.index <= position);
        chip.addEventListener('click', () => model.send({ action: 'goto', index: entry.index }));
        row.append(chip);
      }
      timeline.append(row);
    }
  }

  function drawDetails(): void {
    const node = model.get('node') as NodeState;
    details.textContent = '';
    status.textContent = node.where.split('\n')[0];
    root.dataset.current = node.name ?? '';
    const head = element('div', 'mxnb-debugger-head');
    if (node.name === null) {
      head.textContent = 'Before the first node: press Step (s) or Continue (c).';
    } else {
      head.append(
        element('b', '', `${node.phase} ${node.index + 1}/${(model.get('timeline') ?? []).length}`),
        document.createTextNode(
          `  node ${node.name}  operator ${node.op}${node.layer ? '  layer ' + node.layer : ''}`
        )
      );
    }
    details.append(head);
    if (node.owner) {
      details.append(element('div', 'mxnb-debugger-owner', `gradient of forward node ${node.owner}`));
    }
    if (node.stop_reason) {
      details.append(element('div', 'mxnb-debugger-stop', `stopped: ${node.stop_reason}`));
    }
    const attrs = Object.entries(node.attrs);
    if (attrs.length) {
      details.append(element('div', 'mxnb-debugger-attrs', attrs.map(([k, v]) => `${k}=${v}`).join(', ')));
    }
    const width = Math.max(240, details.clientWidth || 480);
    const sections: [string, string, TensorInfo[]][] = [
      ['inputs', 'input', node.inputs],
      ['outputs', 'output', node.phase === 'backward' ? [] : node.outputs],
      ['gradients', 'gradient', node.gradients]
    ];
    for (const [title, one, tensors] of sections) {
      if (!tensors.length) {
        continue;
      }
      const section = element('div', 'mxnb-debugger-section');
      section.dataset.section = title;
      section.append(element('h4', '', title));
      for (const t of tensors) {
        section.append(tensorCard(t, one, width));
      }
      details.append(section);
    }
  }

  async function drawGraph(): Promise<void> {
    const node = model.get('node') as NodeState;
    const graphs = (model.get('graphs') ?? {}) as Record<string, GraphDocument>;
    const phase = node.phase ?? 'forward';
    const doc = graphs[phase];
    if (!doc) {
      return;
    }
    if (phase !== shownPhase) {
      shownPhase = phase;
      await graph.setDocument({ ...doc, highlight: null });
    }
    graph.setHighlight(node.index >= 0 ? `e${node.index}` : null);
    root.dataset.highlight = graph.currentId ?? '';
  }

  function update(): void {
    drawTimeline();
    drawDetails();
    void drawGraph();
  }
  model.on('change:node', update);
  model.on('change:graphs', () => {
    shownPhase = null;
    void drawGraph();
  });
  update();
  return () => {
    model.off('change:node', update);
    graph.dispose();
  };
}
