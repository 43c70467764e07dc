/**
 * `attune import`: bulk catalog load from a csv or JSON-lines file, local or in
 * S3, written record by record through the InteractionStore port (putItem, as
 * PUT /items/{itemId} writes). Every row is validated with PUT /items' schema;
 * the report says, per row, "ok" or why not. Locally it writes to the stores
 * of a running `npm start` (same ATTUNE_HOME) or its own embedded ones; with
 * --table it writes to that DynamoDB table on AWS (the shell's credentials).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parse as parseCsv } from 'csv-parse/sync';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { CliCommand } from '../main';
import { CliError, fsError, lineWriter } from '../io';
import { PutItemBody } from '../../../shared/ingest/schemas';
import { describeIssues, Id } from '../../../shared/http/validation';
import type { InteractionStore } from '../../../shared/ports/interactions';
import { dynamoDocumentClient, s3Client } from '../../../shared/storage/aws/clients';
import { DynamoInteractionStore } from '../../../shared/storage/dynamodb/interactions';

/** Most rows one import takes (a larger catalog is split into several files). */
export const MAX_ROWS = 1_000_000;
/** Writes in flight at once. */
const CONCURRENCY = 8;

export interface RowReport {
  /** 1-based data row (csv: not counting the header; jsonl: the line number). */
  row: number;
  itemId: string | null;
  status: 'ok' | 'error';
  error?: string;
}

type Row = { row: number; value: unknown } | { row: number; error: string };

const KNOWN = new Set(['itemId', 'title', 'categories', 'available', 'properties']);

/** A csv cell of an extra column as a property value: number, boolean, or the text itself. */
function cellValue(text: string): unknown {
  if (/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return Number(text);
  if (text === 'true' || text === 'false') return text === 'true';
  return text;
}

/**
 * csv rows with a header: itemId, title, categories ("|"-separated), available (true/false),
 * properties (a JSON object); any other column becomes a property (empty cells omitted).
 */
export function csvRows(text: string): Row[] {
  const records = parseCsv(text, { columns: true, skip_empty_lines: true, bom: true, relax_column_count: true });
  return (records as Record<string, string>[]).map((rec, i) => {
    const row = i + 1;
    const out: Record<string, unknown> = {};
    let props: Record<string, unknown> = {};
    // defined, never assigned: a column or key named __proto__ stays a key, for the validator to refuse
    const define = (o: Record<string, unknown>, k: string, v: unknown) =>
      Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
    if (rec.properties) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(rec.properties);
      } catch {
        return { row, error: 'properties: must be a JSON object' };
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        return { row, error: 'properties: must be a JSON object' };
      }
      props = parsed as Record<string, unknown>;
    }
    for (const [name, cell] of Object.entries(rec)) {
      // item_id, as in every other csv of the CLI (train --items, interactions): the same file imports
      const col = name === 'item_id' ? 'itemId' : name;
      if (cell === undefined || cell === '' || col === 'properties') continue;
      if (col === 'categories') out.categories = cell.split('|').map((c) => c.trim());
      else if (col === 'available') {
        if (cell !== 'true' && cell !== 'false') return { row, error: 'available: must be true or false' };
        out.available = cell === 'true';
      } else if (KNOWN.has(col)) out[col] = cell;
      else define(props, col, cellValue(cell));
    }
    if (Object.keys(props).length > 0) out.properties = props;
    return { row, value: out };
  });
}

/** JSON lines: one object per line, PUT /items' body plus its itemId; blank lines skipped. */
export function jsonlRows(text: string): Row[] {
  const rows: Row[] = [];
  for (const [i, line] of text.split(/\r?\n/).entries()) {
    if (line.trim() === '') continue;
    try {
      rows.push({ row: i + 1, value: JSON.parse(line) });
    } catch (err) {
      rows.push({ row: i + 1, error: `not valid JSON: ${(err as Error).message}` });
    }
  }
  return rows;
}

/** Validates each row like PUT /items and writes the valid ones; one report line per row, in row order. */
export async function importRows(rows: Row[], store: Pick<InteractionStore, 'putItem'>): Promise<RowReport[]> {
  const reports: RowReport[] = new Array(rows.length);
  let next = 0;
  const work = async () => {
    while (next < rows.length) {
      const at = next++;
      reports[at] = await importOne(rows[at], store);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, work));
  return reports;
}

async function importOne(r: Row, store: Pick<InteractionStore, 'putItem'>): Promise<RowReport> {
  if ('error' in r) return { row: r.row, itemId: null, status: 'error', error: r.error };
  const v = r.value;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    return { row: r.row, itemId: null, status: 'error', error: 'must be a JSON object' };
  }
  const { itemId: rawId, ...rest } = v as Record<string, unknown>;
  const id = Id.safeParse(rawId);
  if (!id.success) {
    const itemId = typeof rawId === 'string' ? rawId : null;
    return { row: r.row, itemId, status: 'error', error: `itemId: ${describeIssues(id.error.issues)}` };
  }
  const body = PutItemBody.safeParse(rest);
  if (!body.success) return { row: r.row, itemId: id.data, status: 'error', error: describeIssues(body.error.issues) };
  try {
    await store.putItem({ itemId: id.data, ...body.data });
    return { row: r.row, itemId: id.data, status: 'ok' };
  } catch (err) {
    return { row: r.row, itemId: id.data, status: 'error', error: `not stored: ${(err as Error).message}` };
  }
}

/** The rows of a source: a local path or s3://bucket/key; the format from --format or the name's extension. */
export async function readSource(source: string, format?: string): Promise<Row[]> {
  let text: string;
  const s3 = /^s3:\/\/([^/]+)\/(.+)$/.exec(source);
  if (s3) {
    const out = await s3Client().send(new GetObjectCommand({ Bucket: s3[1], Key: s3[2] }));
    text = (await out.Body?.transformToString('utf8')) ?? '';
  } else if (/^s3:/i.test(source)) throw new CliError(`${source}: an S3 source is s3://bucket/key`);
  else {
    try {
      text = readFileSync(resolve(source), 'utf8');
    } catch (err) {
      throw fsError('', source, err);
    }
  }
  const fmt = format ?? (/\.csv$/i.test(source) ? 'csv' : /\.jsonl$|\.ndjson$/i.test(source) ? 'jsonl' : undefined);
  if (fmt !== 'csv' && fmt !== 'jsonl') throw new Error('name the format: --format csv|jsonl (or use .csv / .jsonl)');
  let rows: Row[];
  try {
    rows = fmt === 'csv' ? csvRows(text) : jsonlRows(text);
  } catch (err) {
    // csv-parse's own errors (an unclosed quote) name the line
    throw new CliError(`${source}: ${(err as Error).message}`);
  }
  if (rows.length === 0) throw new CliError(`${source}: no rows: nothing to import`);
  if (rows.length > MAX_ROWS) throw new Error(`${rows.length} rows; at most ${MAX_ROWS} per import (split the file)`);
  return rows;
}

async function localStore(home: string): Promise<{ store: InteractionStore; stop: () => Promise<void> }> {
  const { findRunningStack } = await import('../../local/stack');
  const running = findRunningStack(home);
  let stop = async (): Promise<void> => {};
  let env: Record<string, string>;
  if (running) {
    env = Object.fromEntries(Object.entries(running).filter(([, v]) => typeof v === 'string')) as Record<
      string,
      string
    >;
  } else {
    const { startEmbeddedAws } = await import('../../local/embedded');
    const aws = await startEmbeddedAws({ home });
    env = aws.env;
    stop = () => aws.stop();
  }
  Object.assign(process.env, env);
  return { store: new DynamoInteractionStore(dynamoDocumentClient(), env.ATTUNE_TABLE), stop };
}

export const command: CliCommand = {
  summary: 'Bulk-import catalog items from a csv or JSON-lines file (local or s3://bucket/key)',
  usage:
    'attune import <items.csv|items.jsonl|s3://bucket/key> [--format csv|jsonl] [--home DIR] [--table NAME] ' +
    '[--report FILE]',
  options: [
    ['--format csv|jsonl', 'from the extension', 'the file format'],
    ['--home DIR', '.attune', 'local data folder: the running npm start there, or its stores started for the import'],
    ['--table NAME', '', "write to this DynamoDB table on AWS instead (the shell's credentials and region)"],
    ['--report FILE', 'stdout', 'where the per-row report goes (JSON lines: row, itemId, status, error)'],
  ],
  notes: [
    'Each row is what PUT /items/{itemId} takes, plus its itemId. csv columns: itemId (or item_id), title, categories',
    '("|"-separated), available (true/false), properties (a JSON object); any other column becomes a property',
    '(numbers and true/false typed, empty cells left out). Valid rows are written even when others are not;',
    'the exit code is 1 when any row was refused. On AWS: upload the file to S3 and run',
    '`attune import s3://bucket/items.csv --table <the stack table>` (docs/rules.md).',
  ].join('\n'),
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        format: { type: 'string' },
        home: { type: 'string' },
        table: { type: 'string' },
        report: { type: 'string' },
      },
    });
    const source = positionals[0];
    if (!source) throw new CliError('name the file: attune import items.csv');
    const home = resolve(values.home ?? process.env.ATTUNE_HOME ?? '.attune');
    // the file and the report's path before any store starts or any row is written: a report that
    // cannot be written after the import would leave no record of which rows were stored
    const rows = await readSource(source, values.format);
    const report = values.report ? await lineWriter('--report', values.report) : undefined;
    const target = await Promise.resolve(
      values.table
        ? { store: new DynamoInteractionStore(dynamoDocumentClient(), values.table), stop: async () => undefined }
        : localStore(home),
    ).catch(async (err: unknown) => {
      await report?.abort();
      throw err;
    });
    try {
      const reports = await importRows(rows, target.store);
      const lines = reports.map((r) => JSON.stringify(r));
      if (report) {
        for (const line of lines) await report.write(line);
        await report.close();
      } else if (lines.length) console.log(lines.join('\n'));
      const failed = reports.filter((r) => r.status === 'error').length;
      console.error(`imported ${reports.length - failed} of ${reports.length} rows; ${failed} refused`);
      return failed > 0 ? 1 : 0;
    } finally {
      await target.stop();
    }
  },
};
