/**
 * `attune` command-line entry. Each subcommand lives in its own module under
 * ./commands and is imported only when used, so `attune --help` stays instant.
 */

export interface CliCommand {
  summary: string;
  usage: string;
  /** Every option with its default and what it does, shown by `--help`. */
  options?: OptionHelp[];
  /** Extra paragraphs for `--help` (examples, what a mode does). */
  notes?: string;
  /** Runs the command; resolves to the process exit code. */
  run(argv: string[]): Promise<number>;
}

/** One option's help line: flag (with its value), default ('' when none), one sentence. */
export type OptionHelp = [flag: string, byDefault: string, text: string];

/** The `--help` text of a command: summary, usage, an aligned option table, notes. */
export function commandHelp(c: CliCommand): string {
  const lines = [c.summary, '', `Usage: ${c.usage}`];
  if (c.options?.length) {
    const w = Math.max(...c.options.map(([flag]) => flag.length));
    lines.push('', 'Options:');
    for (const [flag, byDefault, text] of c.options) {
      lines.push(`  ${flag.padEnd(w)}  ${text}${byDefault ? ` [default: ${byDefault}]` : ''}`);
    }
  }
  if (c.notes) lines.push('', c.notes);
  return lines.join('\n');
}

type Loader = () => Promise<{ command: CliCommand }>;

// A computed specifier: subcommands are optional modules, added as their issues land.
const load = (name: string): Promise<{ command: CliCommand }> => import(`./commands/${name}.ts`);

const COMMANDS: Record<string, { summary: string; load: Loader }> = {
  train: { summary: 'Train a model from a csv or MovieLens file into a folder', load: () => load('train') },
  recommend: {
    summary: 'Batch recommendations from a trained model folder (JSON lines)',
    load: () => load('recommend'),
  },
  predict: { summary: 'Rating predictions for user/item pairs', load: () => load('predict') },
  evaluate: { summary: 'Split, train and print ranking/rating metrics', load: () => load('evaluate') },
  import: {
    summary: 'Bulk-import catalog items from a csv or JSON-lines file (local or s3://bucket/key)',
    load: () => load('import'),
  },
  local: { summary: 'sam-style local tools: invoke, start-api, generate-event, token', load: () => load('local') },
};

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  return [
    'attune — open-source personalization engine (serverless on AWS, runs locally)',
    '',
    'Usage: attune <command> [options]      attune <command> --help',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'npm start runs the whole service locally on embedded DynamoDB and S3.',
  ].join('\n');
}

/** Dispatches argv (without node and script) to a subcommand; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(help());
    return 0;
  }
  if (name === '--version' || name === '-v') {
    const { createRequire } = await import('node:module');
    console.log(createRequire(import.meta.url)('../../package.json').version);
    return 0;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    console.error(`attune: unknown command "${name}"\n\n${help()}`);
    return 2;
  }
  let command: CliCommand;
  try {
    ({ command } = await entry.load());
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') {
      console.error(`attune: "${name}" is not available in this build`);
      return 2;
    }
    throw err;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(commandHelp(command));
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    console.error(`attune ${name}: ${(err as Error).message}`);
    return 1;
  }
}
