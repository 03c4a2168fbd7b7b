import { describe, expect, it } from 'vitest';

import { buildView, formatShape, GraphDocument, groupsOf, nodeLabel, parseGraph } from '../src/graph/model';
import { toDot } from '../src/graph/dot';

function doc(): GraphDocument {
  const node = (id: string, name: string, op: string | null, group: string | null, shape: number[]) => ({
    id,
    name,
    op,
    role: (op ? 'op' : 'input') as 'op' | 'input',
    group,
    attrs: op === 'FullyConnected' ? { num_hidden: String(shape[1]) } : {},
    params: [],
    outputs: [{ shape, dtype: 'float32' }]
  });
  return {
    version: 1,
    kind: 'symbol',
    title: 'mlp',
    nodes: [
      node('n0', 'data', null, null, [4, 5]),
      node('n1', 'fc1', 'FullyConnected', 'dense0', [4, 8]),
      node('n2', 'relu1', 'Activation', 'dense0', [4, 8]),
      node('n3', 'fc2', 'FullyConnected', 'dense1', [4, 3])
    ],
    edges: [
      { from: 'n0', output: 0, to: 'n1', input: 'data' },
      { from: 'n1', output: 0, to: 'n2', input: 'data' },
      { from: 'n2', output: 0, to: 'n3', input: 'data' }
    ],
    highlight: null
  };
}

describe('graph model', () => {
  it('rejects documents whose edges name unknown nodes', () => {
    const bad = doc();
    bad.edges.push({ from: 'n0', output: 0, to: 'n9', input: 'x' });
    expect(() => parseGraph(bad)).toThrow(/unknown node/);
    expect(() => parseGraph({})).toThrow(/expected/);
  });

  it('lists layer groups in order', () => {
    expect(groupsOf(doc())).toEqual(['dense0', 'dense1']);
  });

  it('draws every node with shapes on the edges when nothing is collapsed', () => {
    const view = buildView(doc(), new Set());
    expect(view.nodes.map(n => n.id)).toEqual(['n0', 'n1', 'n2', 'n3']);
    expect(view.edges.map(e => e.label)).toEqual(['4×5', '4×8', '4×8']);
    expect(view.clusters.get('dense0')).toEqual(['n1', 'n2']);
  });

  it('collapses a group into one node and drops its inner edges', () => {
    const view = buildView(doc(), new Set(['dense0']));
    expect(view.nodes.map(n => n.id)).toEqual(['n0', 'group:dense0', 'n3']);
    expect(view.edges).toEqual([
      { from: 'n0', to: 'group:dense0', label: '4×5' },
      { from: 'group:dense0', to: 'n3', label: '4×8' }
    ]);
    expect(view.nodes[1].members!.map(m => m.name)).toEqual(['fc1', 'relu1']);
  });

  it('formats shapes, with 0 as an unknown dimension', () => {
    expect(formatShape([2, 0, 3])).toBe('2×?×3');
    expect(formatShape(null)).toBe('?');
    expect(formatShape([])).toBe('scalar');
  });

  it('labels operators with their key attributes', () => {
    expect(nodeLabel(doc().nodes[1])).toBe('FullyConnected\nfc1\nnum_hidden=8');
  });
});

describe('dot', () => {
  it('quotes names, clusters expanded groups and highlights the current node', () => {
    const text = toDot(buildView(doc(), new Set()), 'my "net"', 'n2');
    expect(text).toContain('label="my \\"net\\""');
    expect(text).toContain('id="cluster:dense0"');
    expect(text).toMatch(/"n2" \[id="n2".*penwidth="4"/);
    expect(text).toContain('"n0" -> "n1" [label="4×5"];');
  });

  it('draws a collapsed group as one box', () => {
    const text = toDot(buildView(doc(), new Set(['dense0', 'dense1'])), 't');
    expect(text).toContain('"group:dense0" [id="group:dense0", label="dense0 (2 nodes)"');
    expect(text).not.toContain('cluster:dense0');
  });
});
