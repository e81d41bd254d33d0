/** The S3 client every S3 read and listing uses, built from the run's settings. */
import { S3Client } from '@aws-sdk/client-s3';
import type { S3Settings } from './s3-settings.js';

const ignore = (): void => undefined;
const SILENT = { trace: ignore, debug: ignore, info: ignore, warn: ignore, error: ignore };

/**
 * `maxAttempts` 1 is for uploads of streamed bodies, which the SDK cannot send twice: the caller
 * retries with a fresh stream.
 */
export function createS3Client(
  settings: S3Settings,
  overrides: { maxAttempts?: number } = {},
): S3Client {
  return new S3Client({
    region:
      settings.region ??
      process.env['AWS_REGION'] ??
      process.env['AWS_DEFAULT_REGION'] ??
      'us-east-1',
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    forcePathStyle: settings.forcePathStyle,
    followRegionRedirects: true,
    // The SDK retries throttling (503 SlowDown), 5xx and connection resets before the response
    // headers; a body cut after them is retried by fetch-object.ts.
    maxAttempts: overrides.maxAttempts ?? 6,
    retryMode: 'standard',
    ...(settings.profile ? { profile: settings.profile } : {}),
    // ctlake reports each S3 failure itself in one line; the SDK's console warnings (a stream
    // it cannot send twice, say) would come between them.
    logger: SILENT,
  });
}
