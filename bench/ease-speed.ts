/**
 * EASE's SPD inverse: the WebAssembly f64x2 kernel vs the JS one, per catalog size, on a random SPD matrix.
 *   nice -n 10 npx tsx bench/ease-speed.ts [--sizes 1000,2000,3000] [--kernels wasm,js]
 * CPU seconds (process.cpuUsage), so a loaded machine inflates wall time, not these; peer: bench/ease-peer.py --speed.
 */
import { invertSpdInPlace } from '../shared/math/spd-inverse';
import { spdWorkspace } from '../shared/math/wasm/ease-kernels';
import { Rng } from '../shared/math/rng';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const sizes = opt('--sizes', '1000,2000,3000').split(',').map(Number);
const kernels = opt('--kernels', 'wasm,js').split(',') as ('wasm' | 'js')[];
const cpu = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
};

/** G = XᵀX + n·I for X (n/4 × n) with entries in {0, 1} at density 5% (a Gram-like SPD matrix), float64. */
function gramLike(n: number): Float64Array {
  const rng = new Rng(n);
  const g = new Float64Array(n * n);
  const rows = Math.max(4, n >> 2);
  for (let r = 0; r < rows; r++) {
    const on: number[] = [];
    for (let i = 0; i < n; i++) if (rng.next() < 0.05) on.push(i);
    for (const i of on) for (const j of on) g[i * n + j]++;
  }
  for (let i = 0; i < n; i++) g[i * n + i] += n;
  return g;
}

for (const n of sizes) {
  const g = gramLike(n);
  const out: string[] = [];
  let ref: Float64Array | undefined;
  for (const k of kernels) {
    const ws = spdWorkspace(n, k);
    ws.a.set(g);
    const c0 = cpu();
    const w0 = performance.now();
    if (!invertSpdInPlace(ws.a, n, ws.kernels)) throw new Error('not SPD');
    const s = cpu() - c0;
    const w = (performance.now() - w0) / 1000;
    let diff = 0;
    if (ref)
      for (let i = 0; i < n * n; i++)
        diff = Math.max(diff, Math.abs(ws.a[i] - ref[i]) / Math.abs(ref[i * n + (i % n)] || 1));
    else ref = Float64Array.from(ws.a);
    out.push(
      `${ws.kernel} ${s.toFixed(2)} s CPU (${w.toFixed(2)} s wall, ${(n ** 3 / s / 1e9).toFixed(2)} G madds/s)${diff ? ` max rel diff ${diff.toExponential(1)}` : ''}`,
    );
  }
  console.log(`n=${n}: ${out.join(' | ')}`);
}
