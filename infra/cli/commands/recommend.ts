/** `attune recommend`: batch top-k from a model folder, one JSON object a line. */
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { CliCommand } from '../main';
import { loadLatestModel } from '../../../shared/model/repository';
import { ModelScorer } from '../../../shared/model/scorer';
import type { Model } from '../../../shared/model/types';
import { LocalModelStore } from '../../../shared/storage/local/model-store';

/** The model in a folder written by `attune train`, verified. */
export async function loadModelDir(dir: string): Promise<Model> {
  const model = await loadLatestModel(new LocalModelStore(dir), '');
  if (!model) throw new Error(`${dir}: no model (latest.json missing); run attune train --out ${dir}`);
  return model;
}

/** Writes lines to a file or stdout, respecting back-pressure. */
export function lineWriter(path?: string): { write(line: string): Promise<void>; close(): Promise<void> } {
  const out = path ? createWriteStream(path) : process.stdout;
  return {
    write: (line) => new Promise((resolve) => (out.write(line + '\n') ? resolve() : out.once('drain', resolve))),
    close: () =>
      path
        ? new Promise((resolve, reject) =>
            (out as ReturnType<typeof createWriteStream>).end((err?: Error | null) => (err ? reject(err) : resolve())),
          )
        : Promise.resolve(),
  };
}

export const command: CliCommand = {
  summary: 'Batch recommendations from a trained model folder (JSON lines)',
  usage: 'attune recommend --model DIR (--user ID | --users FILE) [-k 10] [--out FILE]',
  options: [
    ['--model DIR', '', 'a folder written by attune train (its latest.json names the version); required'],
    ['--user ID', '', 'a user to recommend for; repeat it for several'],
    ['--users FILE', '', 'a file with one user id a line (with or instead of --user)'],
    ['-k, --k N', '10', 'items per user; items the user has in training are never recommended'],
    ['--out FILE', 'stdout', 'where the JSON lines {"userId", "items": [{"itemId", "score"}]} go'],
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
    if (!values.model) throw new Error('--model DIR is required');
    const k = Number(values.k);
    if (!Number.isInteger(k) || k < 1) throw new Error(`-k must be a positive integer, got "${values.k}"`);
    const users = [...(values.user ?? [])];
    if (values.users) {
      for (const line of (await readFile(values.users, 'utf8')).split(/\r?\n/))
        if (line.trim()) users.push(line.trim());
    }
    if (!users.length) throw new Error('give --user ID or --users FILE (one user id a line)');
    const scorer = new ModelScorer(await loadModelDir(values.model));
    const w = lineWriter(values.out);
    for (const userId of users) {
      const items = scorer
        .recommend(userId, k)
        .map((s) => ({ itemId: s.itemId, score: Math.round(s.score * 1e6) / 1e6 }));
      await w.write(JSON.stringify({ userId, items }));
    }
    await w.close();
    return 0;
  },
};
