/**
 * SDK clients for the adapters. Endpoints are never passed here: the SDK reads
 * AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_S3 itself, so the same code
 * reaches AWS in Lambda and the embedded stores on a laptop.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';

/** Bounded SDK retries (standard mode: exponential backoff with jitter). */
const MAX_ATTEMPTS = 4;

export function dynamoDocumentClient(): DynamoDBDocumentClient {
  const client = new DynamoDBClient({ maxAttempts: MAX_ATTEMPTS, retryMode: 'standard' });
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    unmarshallOptions: { wrapNumbers: false },
  });
}

export function s3Client(env: NodeJS.ProcessEnv = process.env): S3Client {
  return new S3Client({
    maxAttempts: MAX_ATTEMPTS,
    retryMode: 'standard',
    // Path-style addressing only for a custom endpoint (s3rver has no virtual-host DNS).
    forcePathStyle: Boolean(env.AWS_ENDPOINT_URL_S3),
    // With the SDK's default checksums, s3rver stores stream uploads wrapped in
    // aws-chunked framing (corrupted, silently); WHEN_REQUIRED works on both.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}
