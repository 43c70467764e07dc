/** `attune predict`: one prediction per user/item pair (rating for mf, score otherwise). */
import { parseArgs } from 'node:util';
import type { CliCommand } from '../main';
import { ModelScorer } from '../../../shared/model/scorer';
import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { CliError, fsError, lineWriter } from '../io';
import { loadModelDir } from './recommend';

/**
 * The pairs of a csv naming user_id and item_id; other columns are ignored, not weighed
 * (an interaction file's value or event_type may be anything here).
 */
async function* readPairs(path: string): AsyncGenerator<{ userId: string; itemId: string }> {
  const source = createReadStream(path, 'utf8');
  const parser = source.pipe(parse({ bom: true, trim: true, skip_empty_lines: true, relax_column_count: true }));
  source.once('error', (err) => parser.destroy(err));
  let cols: { u: number; i: number } | undefined;
  let line = 1;
  try {
    for await (const f of parser as AsyncIterable<string[]>) {
      if (!cols) {
        const names = f.map((n) => n.toLowerCase());
        cols = { u: names.indexOf('user_id'), i: names.indexOf('item_id') };
        if (cols.u < 0 || cols.i < 0)
          throw new CliError(`--pairs ${path}:1: header must name user_id and item_id; found "${f.join(',')}"`);
        continue;
      }
      line = parser.info.lines;
      const [userId, itemId] = [f[cols.u], f[cols.i]];
      if (!userId || !itemId) throw new CliError(`--pairs ${path}:${line}: empty user_id or item_id`);
      yield { userId, itemId };
    }
  } catch (err) {
    if (err instanceof CliError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code && !code.startsWith('CSV_')) throw fsError('--pairs', path, err);
    throw new CliError(`--pairs ${path}:${(err as { lines?: number }).lines ?? line}: ${(err as Error).message}`);
  }
  if (!cols) throw new CliError(`--pairs ${path}: empty file (expected a header with user_id,item_id)`);
}

export const command: CliCommand = {
  summary: 'Rating predictions for user/item pairs',
  usage: 'attune predict --model DIR --pairs FILE (csv with user_id,item_id) --out FILE',
  options: [
    ['--model DIR', '', 'a folder written by attune train; required'],
    ['--pairs FILE', '', 'csv with a header naming user_id,item_id (other columns are ignored); required'],
    [
      '--out FILE',
      '',
      'tab-separated user, item, prediction, one line per pair in input order; written whole or not at all; required',
    ],
  ],
  notes: 'An mf model predicts the rating on the trained scale; other kinds give their ranking score.',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: { model: { type: 'string' }, pairs: { type: 'string' }, out: { type: 'string' } },
      strict: true,
    });
    if (!values.model || !values.pairs || !values.out)
      throw new CliError('--model DIR, --pairs FILE and --out FILE are required');
    const scorer = new ModelScorer(await loadModelDir(values.model));
    const w = await lineWriter('--out', values.out);
    try {
      for await (const row of readPairs(values.pairs)) {
        const p = scorer.predict(row.userId, row.itemId);
        await w.write(`${row.userId}\t${row.itemId}\t${Math.round(p * 1e6) / 1e6}`);
      }
    } catch (err) {
      // a bad line half-way: no half file (an older one at --out is left as it was)
      await w.abort();
      throw err;
    }
    await w.close();
    return 0;
  },
};
