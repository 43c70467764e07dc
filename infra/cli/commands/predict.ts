/** `attune predict`: one prediction per user/item pair (rating for mf, score otherwise). */
import { parseArgs } from 'node:util';
import type { CliCommand } from '../main';
import { ModelScorer } from '../../../shared/model/scorer';
import { readRows } from '../../../shared/training/input';
import { lineWriter, loadModelDir } from './recommend';

export const command: CliCommand = {
  summary: 'Rating predictions for user/item pairs',
  usage: 'attune predict --model DIR --pairs FILE (csv with user_id,item_id) --out FILE',
  options: [
    ['--model DIR', '', 'a folder written by attune train; required'],
    ['--pairs FILE', '', 'csv with a header naming user_id,item_id (other columns are ignored); required'],
    ['--out FILE', '', 'tab-separated user, item, prediction, one line per pair in input order; required'],
  ],
  notes: 'An mf model predicts the rating on the trained scale; other kinds give their ranking score.',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: { model: { type: 'string' }, pairs: { type: 'string' }, out: { type: 'string' } },
      strict: true,
    });
    if (!values.model || !values.pairs || !values.out)
      throw new Error('--model DIR, --pairs FILE and --out FILE are required');
    const scorer = new ModelScorer(await loadModelDir(values.model));
    const w = lineWriter(values.out);
    for await (const row of readRows(values.pairs, 'csv')) {
      const p = scorer.predict(row.userId, row.itemId);
      await w.write(`${row.userId}\t${row.itemId}\t${Math.round(p * 1e6) / 1e6}`);
    }
    await w.close();
    return 0;
  },
};
