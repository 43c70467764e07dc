/**
 * Full reads through DynamoDB's export to S3 (ExportTableToPointInTime, PITR
 * on): no read capacity used, however large the table. The export writes
 * `<prefix>AWSDynamoDB/<exportId>/manifest-summary.json`, which names
 * `manifest-files.json` (one JSON line per data file), whose
 * `dataFileS3Key`s are gzipped DYNAMODB_JSON lines `{"Item": {...}}`.
 * {@link readExportFiles} reads that layout through the model-store port (it
 * only moves bytes), so the local exporter (shared/storage/local/export.ts),
 * which writes the same files from dynalite, is read by the same code.
 */
import { createGunzip } from 'node:zlib';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import {
  DescribeExportCommand,
  type DynamoDBClient,
  ExportTableToPointInTimeCommand,
  waitUntilExportCompleted,
} from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Interaction } from '../../events';
import type { ModelStore } from '../../ports/model-store';
import type { BatchVisitor, ReadStats, TableExporter } from '../../ports/training';
import { eventFromItem } from '../dynamodb/items';
import { keys, KEY } from '../schema';

/** Where Train's exports go in the model bucket (its IAM write grant covers only this prefix). */
export const EXPORT_PREFIX = 'exports/';
export const SUMMARY_FILE = 'manifest-summary.json';
export const FILES_MANIFEST = 'manifest-files.json';
const EVENT_PREFIX = keys.event('');
const BATCH = 1000;

export class ExportFormatError extends Error {
  override name = 'ExportFormatError';
}

async function* lines(store: ModelStore, key: string, gzip: boolean): AsyncGenerator<string> {
  const chunks = store.getChunks ? await store.getChunks(key) : await store.get(key).then((b) => (b ? [b] : null));
  if (!chunks) throw new ExportFormatError(`${key}: missing`);
  const source = Readable.from(chunks);
  const text = gzip ? source.pipe(createGunzip()) : source;
  source.once('error', (err) => text.destroy(err));
  for await (const line of createInterface({ input: text, crlfDelay: Infinity })) if (line.trim()) yield line;
}

function parseLine<T>(key: string, n: number, line: string): T {
  try {
    return JSON.parse(line) as T;
  } catch (err) {
    throw new ExportFormatError(`${key}:${n}: not JSON (${(err as Error).message})`);
  }
}

/**
 * Reads a finished export from its manifest-summary.json: every event item,
 * in batches, to `visit`. itemsRead counts every item line (events and the
 * table's other records alike): that is what the export cost to read.
 */
export async function readExportFiles(store: ModelStore, summaryKey: string, visit: BatchVisitor): Promise<ReadStats> {
  const raw = await store.get(summaryKey);
  if (!raw) throw new ExportFormatError(`${summaryKey}: missing`);
  const summary = parseLine<{ manifestFilesS3Key?: string; outputFormat?: string; itemCount?: number }>(
    summaryKey,
    1,
    new TextDecoder().decode(raw),
  );
  if (typeof summary.manifestFilesS3Key !== 'string')
    throw new ExportFormatError(`${summaryKey}: no manifestFilesS3Key`);
  if (summary.outputFormat && summary.outputFormat !== 'DYNAMODB_JSON')
    throw new ExportFormatError(`${summaryKey}: output format ${summary.outputFormat}, expected DYNAMODB_JSON`);
  let itemsRead = 0;
  let events = 0;
  let batch: Interaction[] = [];
  const flush = async () => {
    const b = batch;
    batch = [];
    events += b.length;
    if (b.length) await visit(b);
  };
  let n = 0;
  for await (const line of lines(store, summary.manifestFilesS3Key, false)) {
    const entry = parseLine<{ dataFileS3Key?: string; itemCount?: number }>(summary.manifestFilesS3Key, ++n, line);
    const dataKey = entry.dataFileS3Key;
    if (typeof dataKey !== 'string')
      throw new ExportFormatError(`${summary.manifestFilesS3Key}:${n}: no dataFileS3Key`);
    let inFile = 0;
    for await (const itemLine of lines(store, dataKey, dataKey.endsWith('.gz'))) {
      inFile++;
      const { Item } = parseLine<{ Item?: Record<string, never> }>(dataKey, inFile, itemLine);
      if (!Item) throw new ExportFormatError(`${dataKey}:${inFile}: no Item`);
      const item = unmarshall(Item);
      if (typeof item[KEY.sk] === 'string' && item[KEY.sk].startsWith(EVENT_PREFIX)) {
        batch.push(eventFromItem(item));
        if (batch.length >= BATCH) await flush();
      }
    }
    if (typeof entry.itemCount === 'number' && entry.itemCount !== inFile)
      throw new ExportFormatError(`${dataKey}: ${inFile} items, manifest says ${entry.itemCount}`);
    itemsRead += inFile;
  }
  await flush();
  if (typeof summary.itemCount === 'number' && summary.itemCount !== itemsRead)
    throw new ExportFormatError(`${summaryKey}: ${itemsRead} items read, summary says ${summary.itemCount}`);
  return { events, itemsRead, via: 'export' };
}

export interface DynamoExportOptions {
  tableArn: string;
  bucket: string;
  /** Key prefix of the exports in the bucket, ending with '/' (Train may write only there). */
  prefix: string;
  /** Longest wait for the export to finish, seconds (default 600; a small table takes a few minutes). */
  maxWaitSeconds?: number;
  /** Shortest poll interval, seconds (default 10). */
  minPollSeconds?: number;
}

/** TableExporter on AWS: starts a point-in-time export, waits with the SDK's waiter, reads the files, deletes them. */
export class DynamoTableExport implements TableExporter {
  constructor(
    private readonly ddb: DynamoDBClient,
    /** The export bucket, as a byte mover (S3ModelStore over the same bucket). */
    private readonly files: ModelStore,
    private readonly opts: DynamoExportOptions,
  ) {
    if (!opts.prefix.endsWith('/')) throw new Error(`export prefix must end with "/": ${opts.prefix}`);
  }

  async exportEvents(visit: BatchVisitor): Promise<ReadStats> {
    const started = await this.ddb.send(
      new ExportTableToPointInTimeCommand({
        TableArn: this.opts.tableArn,
        S3Bucket: this.opts.bucket,
        S3Prefix: this.opts.prefix.slice(0, -1),
        ExportFormat: 'DYNAMODB_JSON',
        ExportType: 'FULL_EXPORT',
      }),
    );
    const arn = started.ExportDescription?.ExportArn;
    if (!arn) throw new Error('ExportTableToPointInTime answered without an ExportArn');
    // The waiter polls DescribeExport and throws on FAILED or when maxWaitTime passes.
    await waitUntilExportCompleted(
      { client: this.ddb, maxWaitTime: this.opts.maxWaitSeconds ?? 600, minDelay: this.opts.minPollSeconds ?? 10 },
      { ExportArn: arn },
    );
    const done = await this.ddb.send(new DescribeExportCommand({ ExportArn: arn }));
    const manifest = done.ExportDescription?.ExportManifest;
    if (!manifest) throw new Error(`export ${arn} completed without an ExportManifest`);
    const stats = await readExportFiles(this.files, manifest, visit);
    // The export is a copy of everyone's events, erased users included: it must not outlive the read.
    const dir = manifest.slice(0, manifest.lastIndexOf('/') + 1);
    await this.files.delete(await this.files.list(dir));
    return stats;
  }
}
