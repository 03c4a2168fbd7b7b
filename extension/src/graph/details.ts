/** The details of a clicked node: operator, attributes, parameters, output shapes and dtypes. */
import { formatShape, GraphNode, ViewNode } from './model';

function row(table: HTMLTableElement, key: string, value: string): void {
  const tr = table.insertRow();
  const th = document.createElement('th');
  th.textContent = key;
  tr.appendChild(th);
  const td = tr.insertCell();
  td.textContent = value;
}

function nodeTable(n: GraphNode): HTMLTableElement {
  const table = document.createElement('table');
  row(table, 'name', n.name);
  row(table, 'operator', n.op ?? `variable (${n.role})`);
  if (n.group) {
    row(table, 'layer', n.group);
  }
  for (const [k, v] of Object.entries(n.attrs)) {
    row(table, k, v);
  }
  for (const p of n.params) {
    row(table, `param ${p.name}`, formatShape(p.shape));
  }
  n.outputs.forEach((o, i) => {
    row(table, n.outputs.length > 1 ? `output ${i}` : 'output', `${formatShape(o.shape)} ${o.dtype ?? ''}`);
  });
  return table;
}

export function renderDetails(target: HTMLElement, v: ViewNode | null): void {
  target.textContent = '';
  if (!v) {
    const hint = document.createElement('p');
    hint.className = 'mxnb-graph-hint';
    hint.textContent = 'Click a node for its details; click a layer title to collapse it.';
    target.appendChild(hint);
    return;
  }
  const heading = document.createElement('h4');
  heading.textContent = v.kind === 'group' ? `layer ${v.label}` : v.node!.name;
  target.appendChild(heading);
  if (v.kind === 'group') {
    const list = document.createElement('p');
    list.textContent = `${v.members!.length} nodes: ` + v.members!.map(m => m.op ?? m.name).join(', ');
    target.appendChild(list);
  } else {
    target.appendChild(nodeTable(v.node!));
  }
}
