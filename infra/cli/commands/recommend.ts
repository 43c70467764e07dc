/** `attune recommend`: batch top-k from a model folder, one JSON object a line. */
import { parseArgs } from 'node:util';
import type { CliCommand } from '../main';
import { loadLatestModel } from '../../../shared/model/repository';
import { ModelScorer } from '../../../shared/model/scorer';
import type { Model } from '../../../shared/model/types';
import { LocalModelStore } from '../../../shared/storage/local/model-store';
import { number } from '../checks';
import { CliError, lineWriter, readText } from '../io';

/** The model in a folder written by `attune train`, verified. */
export async function loadModelDir(dir: string): Promise<Model> {
  const model = await loadLatestModel(new LocalModelStore(dir), '');
  if (!model) throw new CliError(`${dir}: no model (latest.json missing); run attune train --out ${dir}`);
  return model;
}

export const command: CliCommand = {
  summary: 'Batch recommendations from a trained model folder (JSON lines)',
  usage: 'attune recommend --model DIR (--user ID | --users FILE) [-k 10] [--out FILE]',
  options: [
    ['--model DIR', '', 'a folder written by attune train (its latest.json names the version); required'],
    ['--user ID', '', 'a user to recommend for; repeat it for several'],
    ['--users FILE', '', 'a file with one user id a line (with or instead of --user)'],
    [
      '-k, --k N',
      '10',
      'items per user (1 or more; at most the catalog); items the user has in training are never recommended',
    ],
    [
      '--out FILE',
      'stdout',
      'where the JSON lines {"userId", "items": [{"itemId", "score"}]} go; written whole or not at all',
    ],
  ],
  notes: 'Users the model does not know get its popular items.',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        model: { type: 'string' },
        user: { type: 'string', multiple: true },
        users: { type: 'string' },
        k: { type: 'string', short: 'k', default: '10' },
        out: { type: 'string' },
      },
      strict: true,
    });
    if (!values.model) throw new CliError('--model DIR is required');
    const k = number('k', values.k, true, 1, Number.MAX_SAFE_INTEGER)!;
    const users = [...(values.user ?? [])];
    if (values.users) {
      // a BOM or CRLF line ends are not part of an id
      for (const line of (await readText('--users', values.users)).replace(/^\uFEFF/, '').split(/\r?\n/))
        if (line.trim()) users.push(line.trim());
    }
    if (!users.length) throw new CliError('give --user ID or --users FILE (one user id a line)');
    const model = await loadModelDir(values.model);
    const scorer = new ModelScorer(model);
    const w = await lineWriter('--out', values.out);
    // more than the catalog is the whole catalog: never an array sized by the flag
    const top = Math.min(k, model.itemIds.length);
    try {
      for (const userId of users) {
        const items = scorer
          .recommend(userId, top)
          .map((s) => ({ itemId: s.itemId, score: Math.round(s.score * 1e6) / 1e6 }));
        await w.write(JSON.stringify({ userId, items }));
      }
    } catch (err) {
      await w.abort();
      throw err;
    }
    await w.close();
    return 0;
  },
};
