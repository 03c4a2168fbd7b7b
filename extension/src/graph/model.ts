/**
 * The graph document mxnb's kernel side sends (MIME type application/vnd.mxnb.graph+json), and
 * the views of it the renderer draws: layer groups collapsed into one node each.
 */

export const GRAPH_MIME = 'application/vnd.mxnb.graph+json';

export interface TensorInfo {
  shape: number[] | null;
  dtype: string | null;
}

export interface ParamInfo {
  name: string;
  shape: number[] | null;
}

export interface GraphNode {
  id: string;
  name: string;
  op: string | null;
  role: 'input' | 'param' | 'aux' | 'op';
  group: string | null;
  attrs: Record<string, string>;
  params: ParamInfo[];
  outputs: TensorInfo[];
}

export interface GraphEdge {
  from: string;
  output: number;
  to: string;
  input: string;
}

export interface GraphDocument {
  version: number;
  kind: 'symbol' | 'block' | 'tape' | 'debugger';
  title: string;
  nodes: GraphNode[];
  edges: GraphEdge[];
  highlight?: string | null;
}

/** One drawn node: an operator or variable, or a collapsed layer group standing for several. */
export interface ViewNode {
  id: string;
  label: string;
  kind: 'node' | 'group';
  node?: GraphNode;
  members?: GraphNode[];
}

export interface ViewEdge {
  from: string;
  to: string;
  label: string;
}

export interface GraphView {
  nodes: ViewNode[];
  edges: ViewEdge[];
  /** Expanded groups and the ids of their drawn members, for clusters. */
  clusters: Map<string, string[]>;
}

export function parseGraph(data: unknown): GraphDocument {
  const doc = data as GraphDocument;
  if (!doc || !Array.isArray(doc.nodes) || !Array.isArray(doc.edges)) {
    throw new Error('mxnb graph: expected {nodes: [...], edges: [...]}');
  }
  const ids = new Set(doc.nodes.map(n => n.id));
  for (const e of doc.edges) {
    if (!ids.has(e.from) || !ids.has(e.to)) {
      throw new Error(`mxnb graph: edge ${e.from} -> ${e.to} names an unknown node`);
    }
  }
  return doc;
}

/** The layer groups of a graph, in first-appearance order. */
export function groupsOf(doc: GraphDocument): string[] {
  const seen: string[] = [];
  for (const n of doc.nodes) {
    if (n.group && !seen.includes(n.group)) {
      seen.push(n.group);
    }
  }
  return seen;
}

export function groupId(group: string): string {
  return 'group:' + group;
}

export function formatShape(shape: number[] | null | undefined): string {
  if (!shape) {
    return '?';
  }
  return shape.length === 0 ? 'scalar' : shape.map(d => (d === 0 ? '?' : String(d))).join('×');
}

/** The drawn view: nodes of collapsed groups merge into one node; edges inside it vanish. */
export function buildView(doc: GraphDocument, collapsed: Set<string>): GraphView {
  const owner = new Map<string, string>();
  const nodes: ViewNode[] = [];
  const clusters = new Map<string, string[]>();
  const groupNodes = new Map<string, ViewNode>();
  for (const n of doc.nodes) {
    if (n.group && collapsed.has(n.group)) {
      const id = groupId(n.group);
      owner.set(n.id, id);
      let g = groupNodes.get(id);
      if (!g) {
        g = { id, label: n.group, kind: 'group', members: [] };
        groupNodes.set(id, g);
        nodes.push(g);
      }
      g.members!.push(n);
      continue;
    }
    owner.set(n.id, n.id);
    nodes.push({ id: n.id, label: nodeLabel(n), kind: 'node', node: n });
    if (n.group) {
      const members = clusters.get(n.group) ?? [];
      members.push(n.id);
      clusters.set(n.group, members);
    }
  }
  const byId = new Map(doc.nodes.map(n => [n.id, n]));
  const edges: ViewEdge[] = [];
  const seen = new Set<string>();
  for (const e of doc.edges) {
    const from = owner.get(e.from)!;
    const to = owner.get(e.to)!;
    if (from === to) {
      continue;
    }
    const key = `${from}->${to}`;
    if (seen.has(key)) {
      continue;
    }
    seen.add(key);
    const out = byId.get(e.from)!.outputs[e.output];
    edges.push({ from, to, label: out ? formatShape(out.shape) : '' });
  }
  return { nodes, edges, clusters };
}

const KEY_ATTRS: Record<string, string[]> = {
  Convolution: ['kernel', 'num_filter', 'stride'],
  Deconvolution: ['kernel', 'num_filter', 'stride'],
  FullyConnected: ['num_hidden'],
  Pooling: ['pool_type', 'kernel', 'stride'],
  Activation: ['act_type'],
  LeakyReLU: ['act_type'],
  Dropout: ['p'],
  RNN: ['mode', 'state_size', 'num_layers']
};

export function nodeLabel(n: GraphNode): string {
  if (!n.op) {
    return n.name;
  }
  const keys = KEY_ATTRS[n.op] ?? [];
  const details = keys.filter(k => k in n.attrs).map(k => `${k}=${n.attrs[k]}`);
  return [n.op, n.name, ...details].join('\n');
}
