/**
 * The neural model of the design as a ranker over ALS (shared/math/neural/ranker.ts):
 * ALS retrieves each user's top-N unseen items, the network re-orders them by
 * P(click) from the ALS score, popularity, the user's affinity to the item's
 * categories and learned embeddings of item categories/properties and user
 * attributes. The artifact is ALS's (common factor fields, fold-in parameters)
 * plus the network's files: `neural_params.f64` (every layer and embedding,
 * layout from `neural.json`), `neural.json` (spec, feature standardization,
 * vocabularies), `neural_popularity.f32` and the token bags as CSR `.i32` pairs.
 * Similar items and explanations are ALS's. Metadata comes in as
 * `TrainingData.side.items` (ItemMetadata[]) and `side.users` (UserAttributes[]);
 * without it the network still re-ranks on the dense features.
 */
import { alsDefaultsFor } from '../../math/als';
import { popularityFromCsr } from '../../math/popularity';
import { factorsFromTokens, fitTokenRidge } from '../../training/cold-items';
import { rankerProbability } from '../../math/neural/ece';
import { layoutOf, workspace, type NeuralSpec, type TokenBags } from '../../math/neural/network';
import { DEFAULT_RANKER, fitRanker, rerankUser, type RankerState } from '../../math/neural/ranker';
import {
  Vocabulary,
  itemTokens,
  tokenBags,
  userTokens,
  type ItemMetadata,
  type UserAttributes,
} from '../../metadata/vocabulary';
import { CorruptModelError } from '../errors';
import type { Model } from '../types';
import { als } from './als';
import { coldItemsOf, type ColdItems } from './cold-ridge';
import { num } from './factors';
import type {
  Capabilities,
  FitOptions,
  FittedModel,
  History,
  KindArtifact,
  KindSpec,
  LoadOptions,
  TrainingData,
  UserScorer,
} from './kind';

const FILES = {
  params: 'neural_params.f64',
  json: 'neural.json',
  popularity: 'neural_popularity.f32',
  itemIndptr: 'neural_item_tokens_indptr.i32',
  itemIndices: 'neural_item_tokens.i32',
  userIndptr: 'neural_user_tokens_indptr.i32',
  userIndices: 'neural_user_tokens.i32',
  ridge: 'neural_ridge.f64',
} as const;

interface NeuralJson {
  spec: NeuralSpec;
  mean: number[];
  sd: number[];
  candidates: number;
  itemVocab: string[];
  userVocab: string[];
}

const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});

class FittedNeural implements FittedModel {
  readonly kind = 'neural';
  readonly capabilities: Capabilities;
  readonly users: number;
  readonly items: number;
  readonly coldItems: ColdItems;

  constructor(
    private readonly a: FittedModel,
    private readonly state: RankerState,
    private readonly vocab: { item: string[]; user: string[] },
    readonly params: Record<string, unknown>,
    /** Ridge from item tokens (+ intercept) to ALS item factors: (tokens + 1) × f. */
    private readonly ridge: Float64Array,
    /** Known at fit only: the training's calibration choice uses it, serving reads the manifest's. */
    readonly probabilityPrior?: { negatives: number; perHistoryItem: number },
  ) {
    this.users = a.users;
    this.items = a.items;
    // a folded-in user has no row in U: fold-in only when the network has no id factors
    const foldIn = a.capabilities.foldIn && state.net.spec.factors === 0;
    this.capabilities = { ...a.capabilities, foldIn, ratings: false };
    this.coldItems = coldItemsOf(ridge, vocab.item, ridge.length / (vocab.item.length + 1));
  }

  /**
   * Re-ranks the ALS scorer's scores once per scorer (its cache is its own). An item known
   * only by a vector (a cold item) is not a candidate: it scores as the items outside the
   * top-N do, its ALS score shifted below every candidate (hi = the best ALS score).
   */
  private rerank(sa: UserScorer, u: number, history?: History): UserScorer {
    let cache: Float32Array | undefined;
    let hi = -Infinity;
    let candidates = 0;
    const seen = history ? Int32Array.from(history.itemIdx).sort() : new Int32Array(0);
    const all = () => {
      if (!cache) {
        cache = new Float32Array(this.items);
        sa.scoreAll(cache);
        for (let i = 0; i < cache.length; i++) if (cache[i] > hi) hi = cache[i];
        candidates = rerankUser(this.state, u, cache, seen, workspace(this.state.net.spec)).count;
      }
      return cache;
    };
    let distinct = 0;
    for (let q = 0; q < seen.length; q++) if (q === 0 || seen[q] !== seen[q - 1]) distinct++;
    const vector = sa.scoreVector;
    return {
      scoreAll: (out) => out.set(all()),
      score: (i) => all()[i],
      explain: sa.explain,
      // the network's P of a candidate (scored 1 + P); items outside the top-N have none
      probability: (i) => rankerProbability(all()[i] ?? -Infinity),
      // the prior correction's π_u ≈ ρ·h/c (shared/math/calibration.ts): distinct history items, candidates
      probabilityUser: () => (all(), { history: distinct, candidates }),
      ...(vector ? { scoreVector: (v: Float32Array) => (all(), vector(v) - hi - 1) } : {}),
    };
  }

  user(u: number, history?: History): UserScorer {
    return this.rerank(this.a.user(u, history), u, history);
  }

  foldIn(history: History): UserScorer | null {
    const sa = this.a.foldIn?.(history);
    return sa ? this.rerank(sa, -1, history) : null;
  }

  /**
   * The factor vector of an item known only by its metadata (a new catalog item): the ridge
   * regression of ALS item factors on tokens. Scores like any item's factors (U_u · v), so a
   * cold item can be ranked and compared for similarity; unknown tokens are ignored.
   */
  coldItemFactors(tokens: readonly string[]): Float32Array {
    const index = new Map(this.vocab.item.map((t, k) => [t, k]));
    const bag = tokens.map((t) => index.get(t) ?? -1);
    const f = this.ridge.length / (this.vocab.item.length + 1);
    return factorsFromTokens(this.ridge, this.vocab.item.length, f, bag);
  }

  similarItems(item: number, out: Float32Array): void {
    this.a.similarItems!(item, out);
  }

  artifact(): KindArtifact {
    const s = this.state;
    const empty = (rows: number): TokenBags => ({ indptr: new Int32Array(rows + 1), indices: new Int32Array(0) });
    const ib = s.itemBags ?? empty(this.items);
    const ub = s.userBags ?? empty(this.users);
    const json: NeuralJson = {
      spec: s.net.spec,
      mean: s.mean,
      sd: s.sd,
      candidates: s.candidates,
      itemVocab: this.vocab.item,
      userVocab: this.vocab.user,
    };
    return {
      ...this.a.artifact(),
      parts: {
        [FILES.params]: s.net.params,
        [FILES.json]: json,
        [FILES.popularity]: s.logPop,
        [FILES.itemIndptr]: ib.indptr,
        [FILES.itemIndices]: ib.indices,
        [FILES.userIndptr]: ub.indptr,
        [FILES.userIndices]: ub.indices,
        [FILES.ridge]: this.ridge,
      },
    };
  }
}

/** The kind's parameters with its defaults filled in. */
function neuralParams(data: TrainingData, params: Record<string, unknown>): Record<string, unknown> {
  const stats = { users: data.ui.rows, items: data.ui.cols, interactions: data.ui.indptr[data.ui.rows] };
  return { ...neural.defaults(stats), ...params };
}

/**
 * The ranker of the kind's parameters stacked over `retrieval`, an ALS fitted on
 * `data.ui` (the kind's own, or one the caller already has: the training
 * pipeline's gate re-uses the ALS it evaluated instead of fitting it twice).
 */
export function fitRankerOver(
  data: TrainingData,
  p: Record<string, unknown>,
  retrieval: FittedModel,
  opts: Pick<FitOptions, 'seed' | 'workBudget'>,
) {
  const art = retrieval.artifact();
  const meta = metadataOf(data.side, data.itemIds, data.userIds);
  let epochs = num(p, 'epochs', 5);
  if (opts.workBudget !== undefined) epochs = Math.min(epochs, Math.max(1, Math.floor(opts.workBudget)));
  const width = num(p, 'hiddenWidth', 16);
  const ranker = fitRanker(
    data.ui,
    { itemBags: meta.itemBags, userBags: meta.userBags, itemTokens: meta.iv.size, userTokens: meta.uv.size },
    {
      als: retrieval.params as never,
      seed: opts.seed,
      candidates: num(p, 'candidates', DEFAULT_RANKER.candidates),
      embed: num(p, 'embed', DEFAULT_RANKER.embed),
      hidden: Array.from({ length: num(p, 'depth', 1) }, (_, l) => Math.max(2, width >> l)),
      train: { epochs, learningRate: num(p, 'learningRate', 0.01), negatives: num(p, 'negatives', 4), batchSize: 32 },
    },
    { userFactors: art.userFactors!, itemFactors: art.itemFactors!, factors: art.factors },
  );
  return { ranker, meta, epochs, art };
}

/** The ranker over an ALS the caller fitted on `data.ui` with `alsParams`, and the kind's resolved parameters. */
export function neuralOverAls(data: TrainingData, retrieval: FittedModel, seed: number) {
  const p = { ...neuralParams(data, {}), als: retrieval.params };
  const { ranker, epochs } = fitRankerOver(data, p, retrieval, { seed });
  return { ranker, params: { ...p, epochs } };
}

/** Token bags of the data's items and users from `side.items` / `side.users`; empty without them. */
function metadataOf(
  side: Readonly<Record<string, unknown>> | undefined,
  itemIds: readonly string[],
  userIds: readonly string[],
) {
  const items = new Map(((side?.items as ItemMetadata[] | undefined) ?? []).map((m) => [m.itemId, itemTokens(m)]));
  const users = new Map(
    ((side?.users as UserAttributes[] | undefined) ?? []).map((m) => [m.userId, userTokens(m.attributes)]),
  );
  const iv = new Vocabulary();
  const uv = new Vocabulary();
  const itemBags = tokenBags(itemIds, (id) => items.get(id), iv, true);
  const userBags = tokenBags(userIds, (id) => users.get(id), uv, true);
  return { itemBags, userBags, iv, uv };
}

export const neural: KindSpec = {
  kind: 'neural',
  description:
    'ALS retrieval + neural re-ranker over item/user metadata: personalized, fold-in, similar and explanations (ALS)',
  capabilities: { personalized: true, foldIn: true, similarItems: true, explain: true, ratings: false },
  defaults: (s) => ({
    als: { ...alsDefaultsFor({ rows: s.users, cols: s.items, nnz: s.interactions }) },
    candidates: DEFAULT_RANKER.candidates,
    embed: DEFAULT_RANKER.embed,
    hiddenWidth: 16,
    depth: 1,
    epochs: 5,
    learningRate: 0.01,
    negatives: 4,
    coldRidge: 30,
  }),
  searchSpace: () => ({
    hiddenWidth: { type: 'choice', values: [8, 16, 32] },
    depth: { type: 'choice', values: [1, 2] },
    epochs: { type: 'choice', values: [3, 5, 10] },
    learningRate: { type: 'float', min: 0.001, max: 0.03, log: true },
  }),
  fit(data, params, opts) {
    const p = neuralParams(data, params);
    const a = als.fit(data, { ...obj(p.als), seed: opts.seed }, opts);
    const { ranker: r, meta, epochs, art } = fitRankerOver(data, p, a, opts);
    // items with at least one interaction are the ridge's rows (every column, for the job's data)
    const count = popularityFromCsr(data.ui);
    const warm = Int32Array.from(count.keys()).filter((i) => count[i] > 0);
    const lambda = num(p, 'coldRidge', 30);
    const ridge = fitTokenRidge(meta.itemBags, meta.iv.size, art.itemFactors!, art.factors, warm, lambda);
    const vocab = { item: meta.iv.tokens, user: meta.uv.tokens };
    const fitted = { ...p, als: a.params, epochs, coldRidge: lambda };
    return new FittedNeural(a, r.state, vocab, fitted, ridge, r.prior);
  },
  load(model: Model, opts?: LoadOptions) {
    const hp = model.manifest.hyperParameters;
    const a = als.load({ ...model, manifest: { ...model.manifest, hyperParameters: obj(hp.als) } }, opts);
    const [state, vocab] = stateOf(model);
    const ridge = model.parts?.[FILES.ridge];
    if (!(ridge instanceof Float64Array) || ridge.length !== (vocab.item.length + 1) * model.factors)
      throw new CorruptModelError(`neural: ${FILES.ridge} must hold (item tokens + 1) × factors values`);
    return new FittedNeural(a, state, vocab, hp, ridge);
  },
};

/** The network and its inputs from an artifact's parts; CorruptModelError when they do not fit. */
function stateOf(model: Model): [RankerState, { item: string[]; user: string[] }] {
  const parts = model.parts ?? {};
  const bad = (why: string) => new CorruptModelError(`neural: ${why}`);
  const j = parts[FILES.json] as NeuralJson | undefined;
  const params = parts[FILES.params];
  const pop = parts[FILES.popularity];
  const [ip, ix, up, ux] = [FILES.itemIndptr, FILES.itemIndices, FILES.userIndptr, FILES.userIndices].map(
    (f) => parts[f],
  );
  if (!j || typeof j !== 'object' || !j.spec || !Array.isArray(j.mean) || !Array.isArray(j.sd))
    throw bad(`${FILES.json} missing or malformed`);
  if (!(params instanceof Float64Array)) throw bad(`${FILES.params} missing`);
  if (!(pop instanceof Float32Array) || pop.length !== model.itemIds.length)
    throw bad(`${FILES.popularity} must hold one value per item`);
  if (![ip, ix, up, ux].every((x) => x instanceof Int32Array)) throw bad('token bag files missing');
  const spec = j.spec;
  if (spec.users !== model.userIds.length || spec.items !== model.itemIds.length)
    throw bad(`spec ${spec.users} × ${spec.items}, artifact ${model.userIds.length} × ${model.itemIds.length}`);
  const layout = layoutOf(spec);
  if (params.length !== layout.size)
    throw bad(`${FILES.params} holds ${params.length} values, the spec needs ${layout.size}`);
  const bags = (indptr: Int32Array, indices: Int32Array, rows: number, vocab: number): TokenBags => {
    if (indptr.length !== rows + 1 || indptr[0] !== 0 || indptr[rows] !== indices.length)
      throw bad('a token bag CSR does not span its rows');
    for (const t of indices) if (t < 0 || t >= vocab) throw bad(`token ${t} outside a vocabulary of ${vocab}`);
    return { indptr, indices };
  };
  const state: RankerState = {
    net: { spec, layout, params },
    itemBags: bags(ip as Int32Array, ix as Int32Array, spec.items, spec.itemTokens),
    userBags: bags(up as Int32Array, ux as Int32Array, spec.users, spec.userTokens),
    itemTokens: spec.itemTokens,
    userTokens: spec.userTokens,
    logPop: pop,
    mean: j.mean,
    sd: j.sd,
    candidates: j.candidates,
  };
  const item = j.itemVocab ?? [];
  const user = j.userVocab ?? [];
  if (item.length !== spec.itemTokens || user.length !== spec.userTokens)
    throw bad('vocabularies do not match the spec');
  return [state, { item, user }];
}
