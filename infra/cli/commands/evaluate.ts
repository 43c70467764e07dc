/** `attune evaluate`: seeded split, train on one part, print the metrics table. */
import { parseArgs } from 'node:util';
import type { CliCommand } from '../main';
import { ttyProgress } from '../../../shared/training/input';
import { trainPipeline } from '../../../shared/training/pipeline';
import type { SplitKind } from '../../../shared/training/evaluate';
import { budget, cutShort, fitWatch, readTrainingData, searchLine, searchReport } from '../checks';
import { CliError } from '../io';
import { MODEL_OPTION_HELP, MODEL_OPTIONS, TUNED, modelSettings } from './train';
import { coldItemsCommand } from './evaluate-cold-items';

export const command: CliCommand = {
  summary: 'Split, train and print ranking/rating metrics',
  usage:
    'attune evaluate --input FILE [--format csv|movielens] [--split user|item|temporal] [--seed 42] ' +
    '[--model auto|als|ease|blend|mf|item-knn|user-knn|popular] [--factors N] [--iterations N] [--regularization X] [--alpha X] ' +
    '[--no-tune] [--rating-range MIN..MAX] [--budget SECONDS] [--json] | --protocol cold-items --items ITEMS.csv',
  options: [
    ...MODEL_OPTION_HELP,
    [
      '--split user|item|temporal',
      'user',
      "75/25 holdout: user = a quarter of each user's items, item = of each item's users, temporal = each " +
        "user's newest quarter",
    ],
    ['--json', 'off', 'print one JSON object instead of the table'],
    [
      '--protocol holdout|cold-items',
      'holdout',
      'cold-items: hold out 20% of the items entirely, rank only them by metadata (docs/neural.md)',
    ],
    [
      '--items FILE',
      'none',
      'item metadata for cold-items: item_id,title,categories (| between), other columns properties',
    ],
  ],
  notes: 'Metrics are top-10 with train items removed (docs/protocol.md). Nothing is written.',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        ...MODEL_OPTIONS,
        split: { type: 'string', default: 'user' },
        budget: { type: 'string', default: '600' },
        json: { type: 'boolean', default: false },
        protocol: { type: 'string', default: 'holdout' },
        items: { type: 'string' },
      },
      strict: true,
    });
    if (!values.input) throw new CliError('--input FILE is required');
    if (values.protocol === 'cold-items')
      return coldItemsCommand(values.input, values.items, modelSettings(values), values.json);
    if (values.protocol !== 'holdout')
      throw new CliError(`--protocol must be holdout or cold-items, got "${values.protocol}"`);
    if (!['user', 'item', 'temporal'].includes(values.split))
      throw new CliError(`--split must be user, item or temporal, got "${values.split}"`);
    const s = modelSettings(values);
    const budgetSeconds = budget(values.budget);
    const d = await readTrainingData(values.input, s.format, s.ratingRange);
    const progress = ttyProgress();
    const watch = fitWatch(progress, 'evaluate');
    const t0 = Date.now();
    const r = trainPipeline(d, {
      kind: s.kind,
      params: s.params,
      tune: s.tune && TUNED.includes(s.kind),
      budgetSeconds,
      seed: s.seed,
      split: values.split as SplitKind,
      evaluate: true,
      version: 'evaluate',
      createdAt: new Date(t0).toISOString(),
      onProgress: watch.onProgress,
    });
    if (progress) process.stderr.write('\n');
    // the metrics are the holdout fit's: one the budget cut says so (one with no sweep is refused)
    const cut = r.evaluated && cutShort(r.model.manifest.kind, r.params, watch.sweeps(), budgetSeconds, 'holdout');
    const searched = searchReport(r.model.manifest.tuning, budgetSeconds);
    const note = [r.note, searched?.cut, cut].filter(Boolean).join('; ');
    if (values.json) {
      console.log(
        JSON.stringify({
          kind: r.model.manifest.kind,
          split: values.split,
          metrics: r.metrics,
          ...(searched ? { search: searched.search } : {}),
          ...(note ? { note } : {}),
          timings: r.timings,
        }),
      );
      return 0;
    }
    const rows: [string, string][] = [
      ['model', r.model.manifest.kind],
      ['split', `${values.split} 75/25, seed ${s.seed}`],
      ['users × items', `${d.userIds.length} × ${d.itemIds.length} (${d.pairUser.length} pairs)`],
      ...Object.entries(r.metrics).map(([k, v]): [string, string] => [
        k,
        Number.isInteger(v) ? String(v) : v.toFixed(4),
      ]),
      ...(searched ? [['search', searchLine(searched.search)] as [string, string]] : []),
      ['seconds', (r.timings.total / 1000).toFixed(2)],
    ];
    if (!Object.keys(r.metrics).length && !note) rows.push(['metrics', 'none: too little data to hold out']);
    if (note) rows.push(['note', note]);
    const w = Math.max(...rows.map(([k]) => k.length));
    for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
    return 0;
  },
};
