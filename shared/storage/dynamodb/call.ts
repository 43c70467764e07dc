/**
 * Every DynamoDB call of the adapters goes through here: it carries the per-attempt timeout and
 * the operation's budget, and turns whatever the SDK throws into a classified store error.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { callOptions, type CallTimeouts } from '../aws/clients';
import { classifyStoreError } from '../aws/errors';

export type SendOptions = ReturnType<typeof callOptions>;

export interface CallContext {
  /** What is being done, for the error message ("Query of a user's events"). */
  what: string;
  timeouts: CallTimeouts;
  /** The request carries values a client sent: a ValidationException is theirs (StoreInputError). */
  callerValues?: boolean;
}

export async function call<O>(ctx: CallContext, run: (opts: SendOptions) => Promise<O>): Promise<O> {
  try {
    return await run(callOptions(ctx.timeouts));
  } catch (err) {
    throw classifyStoreError(err, { store: 'DynamoDB', what: ctx.what, callerValues: ctx.callerValues });
  }
}

/** Every item of a paginated read (paginateQuery / paginateScan), under one budget. */
export async function collect(
  ctx: CallContext,
  pages: (opts: SendOptions) => AsyncIterable<{ Items?: Record<string, any>[] }>,
): Promise<Record<string, any>[]> {
  return call(ctx, async (opts) => {
    const all: Record<string, any>[] = [];
    for await (const page of pages(opts)) all.push(...(page.Items ?? []));
    return all;
  });
}

export type Doc = DynamoDBDocumentClient;
