/** `attune evaluate --protocol cold-items --items items.csv`: the cold-items protocol (docs/neural.md). */
import { alsDefaultsFor, trainAls, type AlsParams } from '../../../shared/math/als';
import { EASE_MAX_ITEMS, scoreEase, trainEase } from '../../../shared/math/ease';
import { easeLambdaFor } from '../../../shared/model/kinds/ease';
import { parseItemsCsv } from '../../../shared/metadata/items-csv';
import { Vocabulary, itemTokens, tokenBags } from '../../../shared/metadata/vocabulary';
import { runColdItems } from '../../../shared/training/cold-items';
import { pairsToCsr } from '../../../shared/training/dataset';
import { DEFAULT_RATING_RANGE, type RatingRange } from '../../../shared/events';
import type { InputFormat } from '../../../shared/training/input';
import { readTrainingData } from '../checks';
import { CliError, readText } from '../io';

export async function coldItemsCommand(
  input: string,
  items: string | undefined,
  s: { format: InputFormat; seed: number; params: Record<string, unknown>; ratingRange?: RatingRange },
  json: boolean,
): Promise<number> {
  if (!items) throw new CliError('--protocol cold-items needs --items FILE (item_id,title,categories)');
  const meta = new Map(parseItemsCsv(await readText('--items', items)).map((m) => [m.itemId, itemTokens(m)]));
  // weighed with --rating-range like every other protocol
  const d = await readTrainingData(input, s.format, s.ratingRange ?? DEFAULT_RATING_RANGE);
  const ui = pairsToCsr(d);
  const vocab = new Vocabulary();
  const itemBags = tokenBags(d.itemIds, (id) => meta.get(id), vocab, true);
  const described = d.itemIds.filter((id) => meta.has(id)).length;
  const r = runColdItems(
    ui,
    { itemBags, itemTokens: vocab.size },
    {
      seed: s.seed,
      trainFactors: (warm) => {
        const p: AlsParams = {
          ...alsDefaultsFor({ rows: warm.rows, cols: warm.cols, nnz: warm.indptr[warm.rows] }),
          ...(s.params as Partial<AlsParams>),
        };
        return trainAls(warm, p);
      },
      // EASE's own scores transferred to new items by their tokens: what serving does for EASE and blend
      warmScorers:
        ui.cols <= EASE_MAX_ITEMS
          ? {
              ease: (warm) => {
                const stats = { users: warm.rows, items: warm.cols, interactions: warm.indptr[warm.rows] };
                const m = trainEase(warm, { lambda: easeLambdaFor(stats) });
                return (u, out) => scoreEase(m, warm.indices.subarray(warm.indptr[u], warm.indptr[u + 1]), null, out);
              },
            }
          : {},
    },
  );
  if (json) {
    console.log(JSON.stringify({ protocol: 'cold-items', seed: s.seed, itemsWithMetadata: described, ...r }));
    return 0;
  }
  console.log(
    `cold items: ${r.coldItems} of ${d.itemIds.length} held out (seed ${s.seed}), ` +
      `${r.heldOutInteractions} interactions; ${described} items have metadata`,
  );
  for (const [name, m] of Object.entries(r.rows))
    console.log(
      `${name.padEnd(14)}  nDCG@10 ${m.ndcg.toFixed(4)}  Recall@10 ${m.recall.toFixed(4)}  (${m.users} users)`,
    );
  return 0;
}
