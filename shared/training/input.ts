/**
 * Interaction files for the CLI: csv (header with user_id,item_id and optional
 * value, timestamp, event_type) and MovieLens u.data. Rows are weighed like
 * API events (eventWeight); errors name the file and line.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { EVENT_TYPES, eventWeight, type EventType } from '../events';
import { DatasetBuilder, type Dataset } from './dataset';

export type InputFormat = 'csv' | 'movielens';

export interface InputRow {
  userId: string;
  itemId: string;
  weight: number;
  /** Epoch ms (0 when the file has none). */
  timestamp: number;
  line: number;
}

export class InputError extends Error {
  override name = 'InputError';
}

/** Splits one csv line; double quotes may enclose fields with commas ("" escapes a quote). */
export function splitCsv(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let p = 0; p < line.length; p++) {
    const ch = line[p];
    if (quoted) {
      if (ch === '"' && line[p + 1] === '"') (cur += '"'), p++;
      else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') out.push(cur), (cur = '');
    else cur += ch;
  }
  if (quoted) throw new Error('unterminated quote');
  out.push(cur);
  return out;
}

/** Epoch seconds (< 1e11) become ms; ISO dates are parsed; empty is 0. */
function parseTime(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return 0;
  const n = Number(raw);
  if (Number.isFinite(n)) return n < 1e11 ? n * 1000 : n;
  const t = Date.parse(raw);
  if (Number.isNaN(t)) throw new Error(`bad timestamp "${raw}"`);
  return t;
}

/** Streams the rows of an interaction file. */
export async function* readRows(path: string, format: InputFormat): AsyncGenerator<InputRow> {
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  let n = 0;
  let cols: Record<string, number> | undefined;
  for await (const raw of lines) {
    n++;
    const line = raw.replace(/^\uFEFF/, '');
    if (line.trim() === '') continue;
    try {
      if (format === 'movielens') {
        const f = line.split('\t');
        if (f.length < 3) throw new Error('expected user<TAB>item<TAB>rating[<TAB>timestamp]');
        const rating = Number(f[2]);
        if (!Number.isFinite(rating)) throw new Error(`bad rating "${f[2]}"`);
        yield { userId: f[0], itemId: f[1], weight: rating, timestamp: parseTime(f[3]), line: n };
        continue;
      }
      const f = splitCsv(line).map((x) => x.trim());
      if (!cols) {
        cols = Object.fromEntries(f.map((name, i) => [name.toLowerCase(), i]));
        if (cols.user_id === undefined || cols.item_id === undefined) throw new Error('header must name user_id and item_id columns');
        continue;
      }
      const userId = f[cols.user_id];
      const itemId = f[cols.item_id];
      if (!userId || !itemId) throw new Error('empty user_id or item_id');
      const valueRaw = cols.value !== undefined ? f[cols.value] : undefined;
      const value = valueRaw !== undefined && valueRaw !== '' ? Number(valueRaw) : undefined;
      if (value !== undefined && !Number.isFinite(value)) throw new Error(`bad value "${valueRaw}"`);
      const typeRaw = cols.event_type !== undefined ? f[cols.event_type] : undefined;
      let weight: number;
      if (typeRaw) {
        if (!(EVENT_TYPES as readonly string[]).includes(typeRaw)) throw new Error(`unknown event_type "${typeRaw}" (one of ${EVENT_TYPES.join(', ')})`);
        weight = eventWeight(typeRaw as EventType, value);
      } else weight = value ?? 1;
      yield { userId, itemId, weight, timestamp: parseTime(cols.timestamp !== undefined ? f[cols.timestamp] : undefined), line: n };
    } catch (err) {
      throw new InputError(`${path}:${n}: ${(err as Error).message}`);
    }
  }
  if (format === 'csv' && !cols) throw new InputError(`${path}: empty file (expected a header with user_id,item_id)`);
}

/** Reads a whole file into a training dataset. */
export async function readDataset(path: string, format: InputFormat): Promise<Dataset> {
  const b = new DatasetBuilder();
  for await (const r of readRows(path, format)) b.addOne(r.userId, r.itemId, r.weight, r.timestamp);
  return b.build();
}

/** A TTY progress line on stderr (stage, epoch, loss, elapsed); silent when stderr is not a terminal. */
export function ttyProgress(): ((p: { stage: string; epoch?: number; loss?: number; elapsedMs: number }) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  return (p) => {
    const parts = [`${p.stage}`, p.epoch !== undefined ? `epoch ${p.epoch}` : '', p.loss !== undefined ? `loss ${p.loss.toPrecision(4)}` : '', `${(p.elapsedMs / 1000).toFixed(1)}s`];
    process.stderr.write(`\r\x1b[K${parts.filter(Boolean).join('  ')}`);
  };
}
