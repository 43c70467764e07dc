/**
 * TableExporter for dynalite, which has no export: a Scan of the table
 * written out in the layout and format of DynamoDB's export to S3 (summary,
 * files manifest, gzipped DYNAMODB_JSON data files), then read back by the
 * AWS adapter's own reader. Locally a rebuild thus runs the same parsing code
 * as on AWS; {@link writeExportFiles} also makes the tests' export fixtures.
 */
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { type AttributeValue, type DynamoDBClient, paginateScan } from '@aws-sdk/client-dynamodb';
import type { ModelStore } from '../../ports/model-store';
import type { BatchVisitor, ReadStats, TableExporter } from '../../ports/training';
import { FILES_MANIFEST, readExportFiles, SUMMARY_FILE } from '../aws/export';

const utf8 = new TextEncoder();

export interface ExportFixtureOptions {
  /** Items per data file (DynamoDB writes at least one file per partition). */
  perFile?: number;
  exportTime?: number;
  tableArn?: string;
}

/** Writes `items` as a finished DYNAMODB_JSON export under `prefix`; resolves to the summary's key. */
export async function writeExportFiles(
  store: ModelStore,
  bucket: string,
  prefix: string,
  items: Record<string, AttributeValue>[],
  opts: ExportFixtureOptions = {},
): Promise<string> {
  const id = `${Date.now()}-${randomBytes(4).toString('hex')}`;
  const dir = `${prefix}AWSDynamoDB/${id}/`;
  const perFile = Math.max(1, opts.perFile ?? 10_000);
  const manifestLines: string[] = [];
  // at least one (possibly empty) data file, as an export of an empty partition writes
  for (let i = 0; i === 0 || i < items.length; i += perFile) {
    const chunk = items.slice(i, i + perFile);
    const key = `${dir}data/${randomBytes(8).toString('hex')}.json.gz`;
    const body = chunk.map((Item) => `${JSON.stringify({ Item })}\n`).join('');
    await store.put(key, gzipSync(utf8.encode(body)));
    manifestLines.push(JSON.stringify({ itemCount: chunk.length, md5Checksum: '', etag: '', dataFileS3Key: key }));
  }
  await store.put(dir + FILES_MANIFEST, utf8.encode(`${manifestLines.join('\n')}\n`));
  const at = new Date(opts.exportTime ?? Date.now()).toISOString();
  const summary = {
    version: '2020-06-30',
    exportArn: `${opts.tableArn ?? 'arn:aws:dynamodb:local:000000000000:table/local'}/export/${id}`,
    startTime: at,
    endTime: at,
    tableArn: opts.tableArn ?? 'arn:aws:dynamodb:local:000000000000:table/local',
    exportTime: at,
    s3Bucket: bucket,
    s3Prefix: prefix.slice(0, -1),
    manifestFilesS3Key: dir + FILES_MANIFEST,
    itemCount: items.length,
    outputFormat: 'DYNAMODB_JSON',
    exportType: 'FULL_EXPORT',
  };
  await store.put(dir + SUMMARY_FILE, utf8.encode(JSON.stringify(summary)), 'application/json');
  return dir + SUMMARY_FILE;
}

export class LocalTableExport implements TableExporter {
  constructor(
    private readonly ddb: DynamoDBClient,
    private readonly table: string,
    /** Where the export files go (the local model bucket), as a byte mover. */
    private readonly files: ModelStore,
    private readonly opts: { bucket: string; prefix: string; perFile?: number },
  ) {
    if (!opts.prefix.endsWith('/')) throw new Error(`export prefix must end with "/": ${opts.prefix}`);
  }

  async exportEvents(visit: BatchVisitor): Promise<ReadStats> {
    const items: Record<string, AttributeValue>[] = [];
    for await (const page of paginateScan({ client: this.ddb }, { TableName: this.table }))
      items.push(...(page.Items ?? []));
    const summary = await writeExportFiles(this.files, this.opts.bucket, this.opts.prefix, items, {
      perFile: this.opts.perFile,
    });
    const stats = await readExportFiles(this.files, summary, visit);
    await this.files.delete(await this.files.list(summary.slice(0, summary.lastIndexOf('/') + 1)));
    return stats;
  }
}
