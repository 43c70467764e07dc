/** `attune import`: csv and JSON-lines rows validated like PUT /items, written through the store port, reported per row. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { command, csvRows, importRows, jsonlRows, readSource } from '../../../infra/cli/commands/import';
import { startEmbeddedAws } from '../../../infra/local/embedded';
import { dynamoDocumentClient, s3Client } from '../../../shared/storage/aws/clients';
import { DynamoInteractionStore } from '../../../shared/storage/dynamodb/interactions';
import { MemoryInteractionStore } from '../../../shared/storage/memory/interactions';

const dir = mkdtempSync(join(tmpdir(), 'attune-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CSV = [
  'itemId,title,categories,available,price,brand,properties',
  'shoe-1,Trail Shoes,running|outdoor,true,89.5,acme,"{""tags"":[""trail""]}"',
  'shoe-2,,running,false,120,zed,',
  ',No Id,running,true,1,x,',
  'shoe-3,Bad,running,maybe,1,x,',
  'shoe-4,Bad props,running,true,1,x,{oops',
  'shoe-5,Proto,running,true,1,x,"{""__proto__"":{""a"":1}}"',
].join('\n');

describe('import rows', () => {
  it('csv: known columns map to PUT /items, others become typed properties; each bad row says why', async () => {
    const store = new MemoryInteractionStore();
    const report = await importRows(csvRows(CSV), store);
    expect(report.map((r) => [r.row, r.itemId, r.status])).toEqual([
      [1, 'shoe-1', 'ok'],
      [2, 'shoe-2', 'ok'],
      [3, null, 'error'],
      [4, null, 'error'],
      [5, null, 'error'],
      [6, 'shoe-5', 'error'],
    ]);
    expect(report[2].error).toMatch(/^itemId: /);
    expect(report[3].error).toBe('available: must be true or false');
    expect(report[4].error).toBe('properties: must be a JSON object');
    expect(report[5].error).toMatch(/__proto__/);
    expect(await store.getItem('shoe-1')).toMatchObject({
      title: 'Trail Shoes',
      categories: ['running', 'outdoor'],
      available: true,
      properties: { price: 89.5, brand: 'acme', tags: ['trail'] },
    });
    expect(await store.getItem('shoe-2')).toMatchObject({ available: false, properties: { price: 120, brand: 'zed' } });
    expect(await store.getItem('shoe-5')).toBeNull();
  });

  it('jsonl: one PUT /items body plus itemId per line, blank lines skipped, line numbers reported', async () => {
    const store = new MemoryInteractionStore();
    const text = [
      '{"itemId": "a", "categories": ["x"], "properties": {"price": 3}}',
      '',
      '{"itemId": "b", "colour": "red"}',
      'not json',
      '[1]',
      '{"itemId": "c", "properties": {"n": 1e300}}',
    ].join('\n');
    const report = await importRows(jsonlRows(text), store);
    expect(report.map((r) => [r.row, r.status])).toEqual([
      [1, 'ok'],
      [3, 'error'],
      [4, 'error'],
      [5, 'error'],
      [6, 'error'],
    ]);
    expect(report[1].error).toMatch(/colour/);
    expect(report[2].error).toMatch(/^not valid JSON/);
    expect(report[3].error).toBe('must be a JSON object');
    expect(report[4].error).toMatch(/properties\.n/);
    expect((await store.getItem('a'))?.properties).toEqual({ price: 3 });
  });

  it('a store failure is reported for that row, the others are still written', async () => {
    const store = new MemoryInteractionStore();
    const flaky = {
      putItem: async (item: Parameters<MemoryInteractionStore['putItem']>[0]) => {
        if (item.itemId === 'b') throw new Error('throttled');
        return store.putItem(item);
      },
    };
    const report = await importRows(jsonlRows('{"itemId":"a"}\n{"itemId":"b"}\n{"itemId":"c"}'), flaky);
    expect(report.map((r) => r.status)).toEqual(['ok', 'error', 'ok']);
    expect(report[1].error).toBe('not stored: throttled');
  });
});

describe('attune import end to end on embedded stores', () => {
  it('imports a local file into the home’s table, and a file from S3, reporting per row', async () => {
    const home = join(dir, 'home');
    const file = join(dir, 'items.csv');
    writeFileSync(file, CSV);
    const reportFile = join(dir, 'report.jsonl');
    expect(await command.run([file, '--home', home, '--report', reportFile])).toBe(1);
    const lines = readFileSync(reportFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.status === 'ok').map((l) => l.itemId)).toEqual(['shoe-1', 'shoe-2']);

    const aws = await startEmbeddedAws({ home });
    try {
      Object.assign(process.env, aws.env);
      const store = new DynamoInteractionStore(dynamoDocumentClient(), aws.tableName);
      expect((await store.getItem('shoe-1'))?.properties).toEqual({ price: 89.5, brand: 'acme', tags: ['trail'] });
      const s3 = s3Client();
      const body = '{"itemId": "from-s3", "categories": ["x"]}\n{"itemId": ""}\n';
      await s3.send(new PutObjectCommand({ Bucket: aws.bucketName, Key: 'imports/items.jsonl', Body: body }));
      const rows = await readSource(`s3://${aws.bucketName}/imports/items.jsonl`);
      const report = await importRows(rows, store);
      expect(report.map((r) => r.status)).toEqual(['ok', 'error']);
      expect(await store.getItem('from-s3')).toMatchObject({ categories: ['x'], available: true });
      await expect(readSource(`s3://${aws.bucketName}/imports/items.txt`)).rejects.toThrow();
      await expect(readSource(file.replace('.csv', '.txt'))).rejects.toThrow();
    } finally {
      await aws.stop();
    }
  });
});
