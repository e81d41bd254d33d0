/**
 * From what a user names to the sources that list it: a directory, file or glob becomes a
 * LocalSource, an `s3://bucket[/prefix]` URI an S3Source. The AWS SDK is loaded only when an
 * S3 URI is among them (loading it costs ~100 ms).
 */
import { LocalSource } from './local.js';
import type { ObjectFilter } from './object-filter.js';
import { isS3Uri, type S3Settings } from './s3-settings.js';
import type { TrailSource } from './trail-source.js';

/** How to reach S3 or an S3-compatible store, as a user gives it. */
export interface S3Options {
  /** The client's region (default: AWS_REGION, else us-east-1); redirects are followed. */
  readonly region?: string;
  /** A profile of the shared AWS config and credentials files. */
  readonly profile?: string;
  /** An S3-compatible endpoint (MinIO, moto, …); implies path-style addressing. */
  readonly endpointUrl?: string;
  /** Bucket in the path, not the host name. */
  readonly pathStyle?: boolean;
}

export function s3Settings(options: S3Options = {}): S3Settings {
  return {
    forcePathStyle: options.pathStyle ?? options.endpointUrl !== undefined,
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.profile === undefined ? {} : { profile: options.profile }),
    ...(options.endpointUrl === undefined ? {} : { endpoint: options.endpointUrl }),
  };
}

/** A source for each spec; sources given as objects are kept as they are. */
export async function openSources(
  specs: readonly (string | TrailSource)[],
  settings: S3Settings,
  filter: ObjectFilter,
  withDigests = false,
): Promise<TrailSource[]> {
  const s3 = specs.some((spec) => typeof spec === 'string' && isS3Uri(spec))
    ? (await import('./s3.js')).S3Source
    : undefined;
  return specs.map((spec) => {
    if (typeof spec !== 'string') return spec;
    return s3 && isS3Uri(spec)
      ? s3.fromUri(spec, settings, filter, withDigests)
      : new LocalSource(spec);
  });
}
