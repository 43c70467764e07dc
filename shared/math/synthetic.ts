/**
 * Seeded generator of implicit-feedback data with planted structure: users and
 * items belong to taste clusters, item popularity is long-tailed (Zipf), events
 * come in several types with weights, and carry timestamps. Tests of training
 * and serving and the demo data use it, so the truth (clusters) is returned too.
 */
import { Rng } from './rng';

export interface SyntheticEventType {
  type: string;
  /** Interaction weight used as the implicit strength. */
  weight: number;
  /** Relative frequency among events. */
  probability: number;
}

export interface SyntheticOptions {
  users: number;
  items: number;
  /** Number of taste clusters; user u and item i belong to cluster u % clusters, i % clusters. */
  clusters: number;
  /** Mean events per user (geometric-ish spread, at least 1). */
  eventsPerUser: number;
  seed: number;
  /** Probability an event picks an item from the user's own cluster (default 0.85). */
  affinity?: number;
  /** Zipf exponent of item popularity inside a cluster (default 1.0; 0 = uniform). */
  popularityExponent?: number;
  /** Default: view 1 (70%), cart 3 (20%), purchase 5 (10%). */
  eventTypes?: SyntheticEventType[];
  /** Epoch ms of the first possible event (default 2024-01-01T00:00:00Z). */
  startTime?: number;
  /** Time span events are spread over (default 30 days). */
  spanMs?: number;
  /** Prefixes of generated ids (default "u" and "i"). */
  userPrefix?: string;
  itemPrefix?: string;
}

export interface SyntheticEvent {
  userId: string;
  itemId: string;
  weight: number;
  eventType: string;
  timestamp: number;
}

export interface SyntheticData {
  /** Events in time order per user, users in order. */
  triples: SyntheticEvent[];
  /** Cluster of user index u (id `${userPrefix}${u}`). */
  userCluster: Int32Array;
  /** Cluster of item index i (id `${itemPrefix}${i}`). */
  itemCluster: Int32Array;
}

const DEFAULT_EVENT_TYPES: SyntheticEventType[] = [
  { type: 'view', weight: 1, probability: 0.7 },
  { type: 'cart', weight: 3, probability: 0.2 },
  { type: 'purchase', weight: 5, probability: 0.1 },
];

/** Generates a planted-cluster data set; identical output for identical options. */
export function generateSynthetic(opts: SyntheticOptions): SyntheticData {
  const { users, items, clusters, eventsPerUser, seed } = opts;
  if (clusters < 1 || clusters > items) throw new RangeError('generateSynthetic: need 1 ≤ clusters ≤ items');
  const affinity = opts.affinity ?? 0.85;
  const s = opts.popularityExponent ?? 1.0;
  const types = opts.eventTypes ?? DEFAULT_EVENT_TYPES;
  const start = opts.startTime ?? Date.UTC(2024, 0, 1);
  const span = opts.spanMs ?? 30 * 86_400_000;
  const up = opts.userPrefix ?? 'u';
  const ip = opts.itemPrefix ?? 'i';
  const rng = new Rng(seed);

  const itemCluster = new Int32Array(items);
  for (let i = 0; i < items; i++) itemCluster[i] = i % clusters;
  const userCluster = new Int32Array(users);
  for (let u = 0; u < users; u++) userCluster[u] = u % clusters;

  // per-cluster Zipf CDF over a shuffled order, so popular items are spread over ids
  const members: Int32Array[] = [];
  const cdfs: Float64Array[] = [];
  for (let c = 0; c < clusters; c++) {
    const m = new Int32Array(Math.ceil((items - c) / clusters));
    for (let j = 0; j < m.length; j++) m[j] = c + j * clusters;
    rng.shuffle(m);
    const cdf = new Float64Array(m.length);
    let acc = 0;
    for (let j = 0; j < m.length; j++) cdf[j] = acc += 1 / (j + 1) ** s;
    for (let j = 0; j < m.length; j++) cdf[j] /= acc;
    members.push(m);
    cdfs.push(cdf);
  }
  const typeCdf = new Float64Array(types.length);
  let tAcc = 0;
  for (let t = 0; t < types.length; t++) typeCdf[t] = tAcc += types[t].probability;

  const triples: SyntheticEvent[] = [];
  const times: number[] = [];
  for (let u = 0; u < users; u++) {
    // geometric with the requested mean, floored at 1 event
    const n = Math.max(1, Math.round(-Math.log(1 - rng.next()) * eventsPerUser));
    times.length = 0;
    for (let e = 0; e < n; e++) times.push(start + Math.floor(rng.next() * span));
    times.sort((a, b) => a - b);
    for (let e = 0; e < n; e++) {
      const c = rng.next() < affinity ? userCluster[u] : rng.int(clusters);
      const item = members[c][search(cdfs[c], rng.next())];
      const t = types[search(typeCdf, rng.next() * tAcc)];
      triples.push({
        userId: `${up}${u}`,
        itemId: `${ip}${item}`,
        weight: t.weight,
        eventType: t.type,
        timestamp: times[e],
      });
    }
  }
  return { triples, userCluster, itemCluster };
}

/** First index whose cumulative value exceeds x. */
function search(cdf: Float64Array, x: number): number {
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cdf[mid] > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
