/**
 * A Graphviz DOT description of a graph view, laid out in the browser by Graphviz compiled to
 * WebAssembly (@viz-js/viz): no system Graphviz is needed.
 */
import { GraphView, ViewNode } from './model';

const COLORS: Record<string, string> = {
  Convolution: '#8dd3c7',
  Deconvolution: '#8dd3c7',
  FullyConnected: '#fb8072',
  BatchNorm: '#bebada',
  LayerNorm: '#bebada',
  Activation: '#ffffb3',
  LeakyReLU: '#ffffb3',
  Pooling: '#80b1d3',
  Concat: '#fdb462',
  Flatten: '#fdb462',
  Reshape: '#fdb462',
  SoftmaxOutput: '#b3de69',
  softmax: '#b3de69',
  RNN: '#fccde5'
};

export function quote(text: string): string {
  return '"' + text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') + '"';
}

function nodeStatement(v: ViewNode, highlight: string | null): string {
  const attrs: Record<string, string> = { id: v.id, label: v.label };
  if (v.kind === 'group') {
    attrs.shape = 'box3d';
    attrs.style = 'filled';
    attrs.fillcolor = '#e0e0e0';
    attrs.label = `${v.label} (${v.members!.length} nodes)`;
    attrs.tooltip = 'collapsed layer: click to expand';
  } else if (!v.node!.op) {
    attrs.shape = 'oval';
    attrs.style = 'filled';
    attrs.fillcolor = '#ffffff';
  } else {
    attrs.shape = 'box';
    attrs.style = 'filled,rounded';
    attrs.fillcolor = COLORS[v.node!.op] ?? '#d9d9d9';
  }
  if (highlight && v.id === highlight) {
    attrs.penwidth = '4';
    attrs.color = '#e31a1c';
  }
  const body = Object.entries(attrs)
    .map(([k, val]) => `${k}=${quote(val)}`)
    .join(', ');
  return `  ${quote(v.id)} [${body}];`;
}

export function toDot(view: GraphView, title: string, highlight: string | null = null): string {
  const lines = [
    'digraph G {',
    '  graph [rankdir=TB, fontname="Helvetica", fontsize=11, nodesep=0.25, ranksep=0.35, ' +
      'label=' +
      quote(title) +
      ', labelloc=t];',
    '  node [fontname="Helvetica", fontsize=10, margin="0.08,0.04"];',
    '  edge [fontname="Helvetica", fontsize=9, color="#555555"];'
  ];
  const clustered = new Set<string>();
  let k = 0;
  for (const [group, members] of view.clusters) {
    lines.push(`  subgraph ${quote('cluster_' + k++)} {`);
    lines.push(
      `    graph [id=${quote('cluster:' + group)}, label=${quote(group + '  [−]')}, ` +
        'style="rounded,dashed", color="#888888", labeljust="l", tooltip="click the title to collapse"];'
    );
    for (const id of members) {
      const v = view.nodes.find(n => n.id === id)!;
      lines.push('  ' + nodeStatement(v, highlight));
      clustered.add(id);
    }
    lines.push('  }');
  }
  for (const v of view.nodes) {
    if (!clustered.has(v.id)) {
      lines.push(nodeStatement(v, highlight));
    }
  }
  for (const e of view.edges) {
    const label = e.label ? ` [label=${quote(e.label)}]` : '';
    lines.push(`  ${quote(e.from)} -> ${quote(e.to)}${label};`);
  }
  lines.push('}');
  return lines.join('\n');
}
