/**
 * Test harness: embedded DynamoDB + S3 on loopback, with the handler
 * environment applied to process.env so code under test finds them the way a
 * Lambda would (AWS_ENDPOINT_URL_* and the table/bucket variables).
 */
import { afterAll, beforeAll } from 'vitest';
import { startEmbeddedAws, type EmbeddedAws, type EmbeddedOptions } from '../../infra/local/embedded';

export async function withEmbeddedAws(opts: EmbeddedOptions = {}): Promise<EmbeddedAws> {
  const aws = await startEmbeddedAws(opts);
  Object.assign(process.env, aws.env);
  return aws;
}

/** Registers beforeAll/afterAll hooks; the returned getter is valid inside tests. */
export function useEmbeddedAws(opts: EmbeddedOptions = {}): () => EmbeddedAws {
  let aws: EmbeddedAws | undefined;
  beforeAll(async () => {
    aws = await withEmbeddedAws(opts);
  });
  afterAll(async () => {
    await aws?.stop();
  });
  return () => {
    if (!aws) throw new Error('embedded AWS not started');
    return aws;
  };
}
