/**
 * `npm start`'s flags and variables, checked before anything starts: a typo must not pass
 * silently ("--auth JWT" served without auth, "--train-every 5m" never retrained, a bad
 * flag or port printed a stack). Every refusal is one line naming the flag.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { LOCAL_TRAIN_EVERY_MINUTES } from '../../shared/topology';

export interface StartArgs {
  home: string;
  port: number;
  trainEvery: number;
  authMode: 'none' | 'jwt';
  dataset: 'demo' | 'movielens';
  path?: string;
  quiet: boolean;
  help: boolean;
}

const OPTIONS = {
  port: { type: 'string' },
  home: { type: 'string' },
  dataset: { type: 'string', default: 'demo' },
  path: { type: 'string' },
  'train-every': { type: 'string' },
  auth: { type: 'string', default: 'none' },
  quiet: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

export function startArgs(argv: string[], env: NodeJS.ProcessEnv): StartArgs {
  let values: ReturnType<typeof parseArgs<{ args: string[]; options: typeof OPTIONS }>>['values'];
  try {
    ({ values } = parseArgs({ args: argv, options: OPTIONS }));
  } catch (err) {
    throw new Error(`${(err as Error).message} (npm start -- --help lists the options)`);
  }
  const portRaw = values.port ?? env.PORT ?? '3000';
  const port = Number(portRaw);
  if (!/^\d+$/.test(portRaw.trim()) || port > 65535)
    throw new Error(`--port (or PORT) must be 0..65535, got "${portRaw}"`);
  const everyRaw = values['train-every'] ?? env.ATTUNE_TRAIN_EVERY_MINUTES ?? String(LOCAL_TRAIN_EVERY_MINUTES);
  const trainEvery = Number(everyRaw);
  if (everyRaw.trim() === '' || !Number.isFinite(trainEvery) || trainEvery < 0)
    throw new Error(`--train-every (or ATTUNE_TRAIN_EVERY_MINUTES) must be minutes, 0 or more, got "${everyRaw}"`);
  const { auth, dataset, path } = values;
  if (auth !== 'none' && auth !== 'jwt') throw new Error(`--auth must be none or jwt, got "${auth}"`);
  if (dataset !== 'demo' && dataset !== 'movielens')
    throw new Error(`--dataset must be demo or movielens, got "${dataset}"`);
  if (dataset === 'movielens' && !path)
    throw new Error('--dataset movielens needs --path DIR (a folder with u.data and u.item)');
  if (dataset === 'movielens' && path && !existsSync(join(path, 'u.data')))
    throw new Error(`--path ${path}: no u.data there (a MovieLens 100K folder: docs/protocol.md)`);
  return {
    home: resolve(values.home ?? env.ATTUNE_HOME ?? '.attune'),
    port,
    trainEvery,
    authMode: auth,
    dataset,
    path,
    quiet: values.quiet,
    help: values.help,
  };
}
