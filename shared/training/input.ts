/**
 * Interaction files for the CLI: csv (header with user_id,item_id and optional
 * value, timestamp, event_type; RFC 4180 quoting, so a quoted field may hold
 * commas, quotes and newlines) and MovieLens u.data (tab-separated, no header).
 * Rows are weighed like API events (eventWeight: a value without an event_type
 * is a rating, bounded by the same rating range as the API's); errors name the file and line.
 */
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { parse, type Options } from 'csv-parse';
import { DEFAULT_RATING_RANGE, EVENT_TYPES, eventWeight, type EventType, type RatingRange } from '../events';
import { DatasetBuilder, type Dataset } from './dataset';

export type InputFormat = 'csv' | 'movielens';

export interface InputRow {
  userId: string;
  itemId: string;
  weight: number;
  /** Epoch ms (0 when the file has none). */
  timestamp: number;
  /** Line of the file where the row ends (a quoted field may span lines). */
  line: number;
}

export class InputError extends Error {
  override name = 'InputError';
}

const PARSER: Record<InputFormat, Options> = {
  csv: { bom: true, trim: true, skip_empty_lines: true, relax_column_count: true, record_delimiter: ['\r\n', '\n'] },
  // u.data has no quoting; a stray quote in an id must not swallow the following lines
  movielens: {
    delimiter: '\t',
    quote: false,
    skip_empty_lines: true,
    relax_column_count: true,
    record_delimiter: ['\r\n', '\n'],
  },
};

/** Epoch seconds (< 1e11) become ms; ISO dates are parsed; empty is 0. */
function parseTime(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return 0;
  const n = Number(raw);
  if (Number.isFinite(n)) return n < 1e11 ? n * 1000 : n;
  const t = Date.parse(raw);
  if (Number.isNaN(t)) throw new Error(`bad timestamp "${raw}"`);
  return t;
}

/** Opens the file, turning the common failures into one line instead of a raw errno dump. */
async function openInput(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw new InputError(`${path}: ${why}`);
  }
}

/** Column positions from a csv header; the error shows what was found (e.g. a semicolon-separated header). */
function headerColumns(fields: string[]): Record<string, number> {
  const cols: Record<string, number> = Object.fromEntries(fields.map((name, i) => [name.toLowerCase(), i]));
  if (cols.user_id !== undefined && cols.item_id !== undefined) return cols;
  const found = fields.join(',');
  const hint = fields.length === 1 && /[;\t|]/.test(found) ? ' (the file must be comma-separated)' : '';
  throw new Error(`header must name user_id and item_id columns; found "${found}"${hint}`);
}

function csvRow(f: string[], cols: Record<string, number>, range: RatingRange): Omit<InputRow, 'line'> {
  const userId = f[cols.user_id];
  const itemId = f[cols.item_id];
  if (!userId || !itemId) throw new Error('empty user_id or item_id');
  const valueRaw = cols.value !== undefined ? f[cols.value] : undefined;
  const value = valueRaw !== undefined && valueRaw !== '' ? Number(valueRaw) : undefined;
  if (value !== undefined && !Number.isFinite(value)) throw new Error(`bad value "${valueRaw}"`);
  const typeRaw = cols.event_type !== undefined ? f[cols.event_type] : undefined;
  let weight: number;
  if (typeRaw) {
    if (!(EVENT_TYPES as readonly string[]).includes(typeRaw)) {
      throw new Error(`unknown event_type "${typeRaw}" (one of ${EVENT_TYPES.join(', ')})`);
    }
    weight = eventWeight(typeRaw as EventType, value, range);
    // a value without a type is a rating: bounded exactly as the API's ratings are
  } else weight = value === undefined ? 1 : eventWeight('rating', value, range);
  return { userId, itemId, weight, timestamp: parseTime(cols.timestamp !== undefined ? f[cols.timestamp] : undefined) };
}

function movieLensRow(f: string[], range: RatingRange): Omit<InputRow, 'line'> {
  if (f.length < 3) throw new Error('expected user<TAB>item<TAB>rating[<TAB>timestamp]');
  const rating = Number(f[2]);
  if (!Number.isFinite(rating)) throw new Error(`bad rating "${f[2]}"`);
  return { userId: f[0], itemId: f[1], weight: eventWeight('rating', rating, range), timestamp: parseTime(f[3]) };
}

/**
 * Streams the rows of an interaction file; a file with no rows is an error, never an empty model.
 * A rating weighs its value clamped to `range` (the API's ATTUNE_RATING_MIN/MAX).
 */
export async function* readRows(
  path: string,
  format: InputFormat,
  range: RatingRange = DEFAULT_RATING_RANGE,
): AsyncGenerator<InputRow> {
  const file = await openInput(path);
  const source = file.createReadStream({ encoding: 'utf8', autoClose: false });
  const parser = source.pipe(parse({ ...PARSER[format], info: true }));
  // pipe() does not forward read errors (EISDIR): without this the parser would wait forever
  source.once('error', (err) => parser.destroy(err));
  let cols: Record<string, number> | undefined;
  let line = 0;
  let rows = 0;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      line = info.lines;
      if (format === 'csv' && !cols) {
        cols = headerColumns(record);
        continue;
      }
      rows++;
      yield { ...(format === 'csv' ? csvRow(record, cols!, range) : movieLensRow(record, range)), line };
    }
  } catch (err) {
    if (err instanceof InputError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'EISDIR') throw new InputError(`${path}: is a folder, not a file`);
    // csv-parse's own errors (an unclosed quote) carry the line they stopped at
    const at = (err as { lines?: number }).lines ?? line;
    const why = (err as Error).message.replace(/^[A-Za-z ]+Error: /, '');
    throw new InputError(`${path}:${at}: ${why}`);
  } finally {
    source.destroy();
    parser.destroy();
    await file.close();
  }
  if (rows > 0) return;
  if (format === 'csv' && !cols) throw new InputError(`${path}: empty file (expected a header with user_id,item_id)`);
  throw new InputError(`${path}: no rows${format === 'csv' ? ' after the header' : ''}: nothing to train on`);
}

/** Reads a whole file into a training dataset. */
export async function readDataset(
  path: string,
  format: InputFormat,
  range: RatingRange = DEFAULT_RATING_RANGE,
): Promise<Dataset> {
  const b = new DatasetBuilder();
  for await (const r of readRows(path, format, range)) b.addOne(r.userId, r.itemId, r.weight, r.timestamp);
  return b.build();
}

/** A TTY progress line on stderr (stage, epoch, loss, elapsed); silent when stderr is not a terminal. */
export function ttyProgress():
  | ((p: { stage: string; epoch?: number; loss?: number; elapsedMs: number }) => void)
  | undefined {
  if (!process.stderr.isTTY) return undefined;
  return (p) => {
    const parts = [
      `${p.stage}`,
      p.epoch !== undefined ? `epoch ${p.epoch}` : '',
      p.loss !== undefined ? `loss ${p.loss.toPrecision(4)}` : '',
      `${(p.elapsedMs / 1000).toFixed(1)}s`,
    ];
    process.stderr.write(`\r\x1b[K${parts.filter(Boolean).join('  ')}`);
  };
}
