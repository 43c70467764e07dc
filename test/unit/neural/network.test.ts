import { describe, expect, it } from 'vitest';
import { Matrix } from 'ml-matrix';
import {
  backward,
  forward,
  layoutOf,
  workspace,
  type Example,
  type NeuralSpec,
  type TokenBags,
} from '../../../shared/math/neural/network';
import { initNetwork } from '../../../shared/math/neural/train';
import { bce, bceGrad, mse, mseGrad } from '../../../shared/math/neural/losses';
import { Rng } from '../../../shared/math/rng';

const spec: NeuralSpec = {
  users: 3,
  items: 4,
  factors: 3,
  itemTokens: 5,
  userTokens: 4,
  embed: 2,
  dense: 2,
  hidden: [4, 3],
};
const itemBags: TokenBags = { indptr: Int32Array.from([0, 2, 3, 3, 5]), indices: Int32Array.from([0, 3, 1, 2, 4]) };
const userBags: TokenBags = { indptr: Int32Array.from([0, 1, 3, 4]), indices: Int32Array.from([0, 1, 2, 3]) };

function randomNet(seed: number) {
  const net = initNetwork(spec, { seed });
  // non-zero output weights on z, so every path carries gradient
  const rng = new Rng(seed + 1);
  for (let k = 0; k < net.params.length; k++) net.params[k] += 0.3 * rng.normal();
  return net;
}

describe('neural network', () => {
  it('lays parameters out without overlap', () => {
    const L = layoutOf(spec);
    expect(L.z).toBe(2 * 3 + 2 * 2 + 2);
    expect(L.size).toBe(3 * 3 + 4 * 3 + 5 * 2 + 4 * 2 + (4 * 12 + 4) + (3 * 4 + 3) + (12 + 3) + 1);
  });

  for (const loss of ['bce', 'mse'] as const) {
    for (const cold of [false, true]) {
      it(`matches finite differences (${loss}, cold=${cold})`, () => {
        const net = randomNet(3);
        const x: Example = { user: 1, item: 3, cold, dense: [0.7, -1.2] };
        const y = loss === 'bce' ? 1 : 3.5;
        const ws = workspace(spec);
        const lossAt = () => {
          const o = forward(net, itemBags, userBags, x, ws);
          return loss === 'bce' ? bce(o, y) : mse(o, y);
        };
        const out = forward(net, itemBags, userBags, x, ws);
        const grad = new Float64Array(net.params.length);
        backward(net, itemBags, userBags, x, ws, loss === 'bce' ? bceGrad(out, y) : mseGrad(out, y), grad);
        const h = 1e-6;
        let checked = 0;
        for (let k = 0; k < net.params.length; k++) {
          const keep = net.params[k];
          net.params[k] = keep + h;
          const up = lossAt();
          net.params[k] = keep - h;
          const down = lossAt();
          net.params[k] = keep;
          const numeric = (up - down) / (2 * h);
          expect(grad[k]).toBeCloseTo(numeric, 6);
          if (numeric !== 0) checked++;
        }
        // every layer (83 weights), U_u (3), both bags' rows (4 + 4) and V_i (3) unless cold; when cold the
        // zeroed V_i slots of z also leave 12 hidden weights and 3 output weights without gradient
        expect(checked).toBe(cold ? 79 : 97);
      });
    }
  }

  it('agrees with an independent ml-matrix forward pass', () => {
    const net = randomNet(9);
    const L = net.layout;
    const p = net.params;
    const x: Example = { user: 2, item: 0, cold: false, dense: [0.1, 2] };
    const f = spec.factors;
    const e = spec.embed;
    const row = (off: number, n: number) => Array.from(p.subarray(off, off + n));
    const mean = (rows: number[][]) => rows[0].map((_, k) => rows.reduce((s, r) => s + r[k], 0) / rows.length);
    const cat = mean([row(L.C + 0 * e, e), row(L.C + 3 * e, e)]);
    const attr = row(L.A + 3 * e, e);
    const z = Matrix.columnVector([...row(L.U + 2 * f, f), ...row(L.V + 0, f), ...cat, ...attr, 0.1, 2]);
    let input = z;
    for (let l = 0; l < spec.hidden.length; l++) {
      const W = new Matrix(spec.hidden[l], input.rows);
      for (let j = 0; j < W.rows; j++) for (let k = 0; k < W.columns; k++) W.set(j, k, p[L.W[l] + j * W.columns + k]);
      const b = Matrix.columnVector(row(L.B[l], spec.hidden[l]));
      const a = W.mmul(input).add(b);
      input = a.clone();
      for (let j = 0; j < a.rows; j++) input.set(j, 0, 1 / (1 + Math.exp(-a.get(j, 0))));
    }
    const zh = Matrix.columnVector([...z.getColumn(0), ...input.getColumn(0)]);
    const w = Matrix.rowVector(row(L.out, zh.rows));
    const expected = w.mmul(zh).get(0, 0) + p[L.outBias];
    expect(forward(net, itemBags, userBags, x, workspace(spec))).toBeCloseTo(expected, 10);
  });

  it('mean-pools a bag: an item with two categories sees the average of both embeddings', () => {
    const net = initNetwork({ ...spec, hidden: [] }, { seed: 1 });
    const L = net.layout;
    net.params.fill(0);
    net.params[L.C + 0 * 2] = 2; // token 0, dimension 0
    net.params[L.C + 3 * 2] = 4; // token 3, dimension 0
    net.params[L.out + 2 * 3] = 1; // output weight on the first pooled item dimension
    const logit = forward(
      net,
      itemBags,
      userBags,
      { user: 0, item: 0, cold: false, dense: [0, 0] },
      workspace(net.spec),
    );
    expect(logit).toBe(3);
  });
});
