/**
 * Planted data with metadata for the neural tests. Each user has a hidden
 * preferred cluster and each item a cluster; a user's events pick an item of
 * their cluster with probability `affinity`, else any item, by long-tailed
 * popularity. `informative`: an item's category IS its cluster and a user's
 * attribute IS their cluster, so metadata determines preference; otherwise
 * both are random tokens that carry nothing.
 */
import { csrFromTriples } from '../../../shared/math/csr';
import { Rng } from '../../../shared/math/rng';
import { Vocabulary, tokenBags } from '../../../shared/metadata/vocabulary';

export function plantedWithMetadata(o: {
  users: number;
  items: number;
  clusters: number;
  eventsPerUser: number;
  seed: number;
  informative: boolean;
  affinity?: number;
}) {
  const rng = new Rng(o.seed);
  const K = o.clusters;
  const affinity = o.affinity ?? 0.8;
  const userCluster = Int32Array.from({ length: o.users }, () => rng.int(K));
  const itemCluster = Int32Array.from({ length: o.items }, (_, i) => i % K);
  const weight = Float64Array.from({ length: o.items }, () => 1 / (1 + rng.int(o.items)) ** 0.7);
  const members = Array.from({ length: K }, (_, c) =>
    Array.from(itemCluster.keys()).filter((i) => itemCluster[i] === c),
  );
  const draw = (pool: number[]) => {
    let total = 0;
    for (const i of pool) total += weight[i];
    let x = rng.next() * total;
    for (const i of pool) if ((x -= weight[i]) <= 0) return i;
    return pool[pool.length - 1];
  };
  const everyone = Array.from(itemCluster.keys());
  const rows: number[] = [];
  const cols: number[] = [];
  for (let u = 0; u < o.users; u++) {
    const n = 2 + Math.round(-Math.log(1 - rng.next()) * (o.eventsPerUser - 2));
    for (let e = 0; e < n; e++) {
      rows.push(u);
      cols.push(draw(rng.next() < affinity ? members[userCluster[u]] : everyone));
    }
  }
  // repeated picks sum; the models read entries as positives
  const ui = csrFromTriples(o.users, o.items, rows, cols, new Float32Array(rows.length).fill(1));
  const itemVocab = new Vocabulary();
  const userVocab = new Vocabulary();
  const itemTok = (i: number) => [`c:${o.informative ? itemCluster[i] : rng.int(K)}`];
  const userTok = (u: number) => [`taste=${o.informative ? userCluster[u] : rng.int(K)}`];
  const itemBags = tokenBags(
    Array.from({ length: o.items }, (_, i) => String(i)),
    (id) => itemTok(Number(id)),
    itemVocab,
    true,
  );
  const userBags = tokenBags(
    Array.from({ length: o.users }, (_, u) => String(u)),
    (id) => userTok(Number(id)),
    userVocab,
    true,
  );
  return {
    ui,
    userCluster,
    itemCluster,
    meta: { itemBags, userBags, itemTokens: itemVocab.size, userTokens: userVocab.size },
  };
}
