/**
 * Dumps ML-100K splits and tuned-ALS factors for the python stacking prototype (bench/proto/stack.py).
 *   nice -n 10 npx tsx bench/proto/stack-dump.ts --split item|user --out /tmp/stack [--seeds 42]
 * Writes <out>/<split>/{train,test}.tsv, fold<q>_{fit,valid}.tsv (holdoutSplit of train, --ratio 0.75, seeds 7 … 9,
 * as selectModel carves them) and als_<set>_s<seed>_{U,V}.f32 for each fold's fit and for all of train.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMl100k, toCsr, TUNED_ML100K_ALS } from '../quality-data';
import { stratifiedSplit } from '../../shared/math/split';
import { holdoutSplit } from '../../shared/math/hpo';
import type { Csr } from '../../shared/math/csr';
import { trainAls } from '../../shared/math/als';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dataDir = resolve(opt('--data', resolve(repoRoot, '../shared/data/ml-100k')));
const by = opt('--split', 'item') as 'item' | 'user';
const out = join(opt('--out', '/tmp/stack'), by);
const seeds = opt('--seeds', '42').split(',').map(Number);
const extra = JSON.parse(opt('--als', '{}'));
const tag = opt('--tag', 'als');
const ratio = Number(opt('--ratio', '0.75'));
const foldSeed = Number(opt('--fold-seed', '7'));
mkdirSync(out, { recursive: true });

function tsv(file: string, m: Csr) {
  const lines: string[] = [];
  for (let u = 0; u < m.rows; u++)
    for (let p = m.indptr[u]; p < m.indptr[u + 1]; p++) lines.push(`${u}\t${m.indices[p]}\t${m.data[p]}`);
  writeFileSync(join(out, file), `${lines.join('\n')}\n`);
}

const d = loadMl100k(dataDir);
const split = stratifiedSplit(by === 'item' ? d.item : d.user, 0.75, 42);
const train = toCsr(d, split.train, () => 1);
const test = toCsr(d, split.test, () => 1);
tsv('train.tsv', train);
tsv('test.tsv', test);
const sets: [string, Csr][] = [['train', train]];
for (let q = 0; q < 3; q++) {
  const f = holdoutSplit(train, ratio, foldSeed + q, by);
  tsv(`fold${q}_fit.tsv`, f.fit);
  tsv(`fold${q}_valid.tsv`, f.valid);
  sets.push([`fold${q}`, f.fit]);
}
for (const [name, fit] of sets)
  for (const seed of seeds) {
    const t0 = performance.now();
    const m = trainAls(fit, { ...TUNED_ML100K_ALS, ...extra, seed });
    writeFileSync(join(out, `${tag}_${name}_s${seed}_U.f32`), m.userFactors);
    writeFileSync(join(out, `${tag}_${name}_s${seed}_V.f32`), m.itemFactors);
    console.log(`${by} ${name} seed ${seed} f ${m.factors} ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
