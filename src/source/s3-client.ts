/** The S3 client every S3 read and listing uses, built from the run's settings. */
import { S3Client } from '@aws-sdk/client-s3';
import type { S3Settings } from './s3-settings.js';

export function createS3Client(settings: S3Settings): S3Client {
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
    maxAttempts: 6,
    retryMode: 'standard',
    ...(settings.profile ? { profile: settings.profile } : {}),
  });
}
