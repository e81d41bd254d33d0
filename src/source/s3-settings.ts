/**
 * How to reach S3 (or an S3-compatible store): passed to the workers with every task, so each
 * builds the same client. Credentials come from the standard AWS chain (environment, shared
 * config and credentials files, `--profile`), never from the task.
 *
 * Free of the AWS SDK, which `s3-client.ts` loads: a run without an s3:// source never pays for it.
 */
export interface S3Settings {
  /** Client region; S3 redirects are followed, so this only matters for the first request. */
  readonly region?: string;
  readonly profile?: string;
  /** `--endpoint-url` for S3-compatible stores (MinIO, moto, …). */
  readonly endpoint?: string;
  readonly forcePathStyle: boolean;
}

const S3_URI = /^s3:\/\/([^/]+)\/?(.*)$/;

export interface S3Location {
  readonly bucket: string;
  /** Key prefix, '' for the whole bucket; a trailing '/' is kept as given. */
  readonly prefix: string;
}

export function isS3Uri(text: string): boolean {
  return text.startsWith('s3://');
}

export function parseS3Uri(text: string): S3Location | undefined {
  const match = S3_URI.exec(text);
  if (!match?.[1]) return undefined;
  return { bucket: match[1], prefix: match[2] ?? '' };
}
