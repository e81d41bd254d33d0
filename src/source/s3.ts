/**
 * S3 sources (`s3://bucket[/prefix]`). Listing follows CloudTrail's key layout
 * (`[prefix/]AWSLogs/[o-org/]<account>/CloudTrail/<region>/YYYY/MM/DD/`): with an account,
 * region or date filter, only the prefixes that can match are listed, one delimiter level at a
 * time, instead of listing the whole bucket and filtering. Digest folders are listed only for
 * verify.
 *
 * What is read is decided against the catalog by set (bucket, key, ETag), not by a "last key"
 * marker, so late-arriving objects in old date prefixes are found on the next run.
 */
import {
  type ListObjectsV2CommandOutput,
  paginateListObjectsV2,
  type S3Client,
} from '@aws-sdk/client-s3';
import { CtlakeError, UsageError, firstLine } from '../errors.js';
import { matchesFilter, type ObjectFilter } from './object-filter.js';
import { createS3Client } from './s3-client.js';
import { parseS3Uri, type S3Location, type S3Settings } from './s3-settings.js';
import { parseTrailKey } from './trail-key.js';
import type { TrailObject } from './trail-object.js';
import type { TrailSource } from './trail-source.js';

const ORG_ID = /^o-[a-z0-9]{10,32}$/;
const EVENT_FOLDERS = ['CloudTrail', 'CloudTrail-Insight'];
const WITH_DIGEST_FOLDERS = [...EVENT_FOLDERS, 'CloudTrail-Digest'];

export class S3Source implements TrailSource {
  readonly description: string;
  readonly #location: S3Location;
  readonly #client: S3Client;
  readonly #filter: ObjectFilter;
  readonly #walked: readonly string[];

  /** `withDigests`: a filtered listing also walks the digest folders (for verify). */
  constructor(
    uri: string,
    location: S3Location,
    settings: S3Settings,
    filter: ObjectFilter,
    client?: S3Client,
    withDigests = false,
  ) {
    this.description = uri;
    this.#location = location;
    this.#client = client ?? createS3Client(settings);
    this.#filter = filter;
    this.#walked = withDigests ? WITH_DIGEST_FOLDERS : EVENT_FOLDERS;
  }

  static fromUri(
    uri: string,
    settings: S3Settings,
    filter: ObjectFilter,
    withDigests = false,
  ): S3Source {
    const location = parseS3Uri(uri);
    if (!location) throw new UsageError(`not an S3 URI: ${uri} (want s3://bucket[/prefix])`);
    return new S3Source(uri, location, settings, filter, undefined, withDigests);
  }

  /** The client this source lists with, for reading what it listed. */
  get client(): S3Client {
    return this.#client;
  }

  /**
   * The pages of one ListObjectsV2 listing of `prefix` (with `/` as delimiter when `delimiter`),
   * through the SDK's paginator, which passes the abort signal on to each request.
   */
  async *#pages(
    prefix: string,
    delimiter: boolean,
    signal?: AbortSignal,
  ): AsyncIterable<ListObjectsV2CommandOutput> {
    const pages = paginateListObjectsV2(
      { client: this.#client },
      {
        Bucket: this.#location.bucket,
        Prefix: prefix,
        ...(delimiter ? { Delimiter: '/' } : {}),
      },
      ...(signal ? [{ abortSignal: signal }] : []),
    );
    try {
      yield* pages;
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new CtlakeError(
        'SOURCE_UNREACHABLE',
        `cannot list s3://${this.#location.bucket}/${prefix}: ${firstLine(error)}`,
        { cause: error },
      );
    }
  }

  /** The sub-folders directly under `prefix` (names without the trailing slash). */
  async #folders(prefix: string, signal?: AbortSignal): Promise<string[]> {
    const names: string[] = [];
    for await (const page of this.#pages(prefix, true, signal)) {
      for (const p of page.CommonPrefixes ?? []) {
        if (p.Prefix) names.push(p.Prefix.slice(prefix.length).replace(/\/$/, ''));
      }
    }
    return names;
  }

  async *#objects(prefix: string, signal?: AbortSignal): AsyncIterable<TrailObject> {
    for await (const page of this.#pages(prefix, false, signal)) {
      for (const o of page.Contents ?? []) {
        if (!o.Key || o.Key.endsWith('/')) continue;
        const object = this.#toObject(o.Key, o.Size ?? 0, o.ETag ?? '');
        // Digests are yielded too: the plan counts them and skips them.
        if (matchesFilter(object.key, this.#filter)) yield object;
      }
    }
  }

  #toObject(key: string, size: number, etag: string): TrailObject {
    const bucket = this.#location.bucket;
    const plainEtag = etag.replace(/^"|"$/g, '');
    return {
      uri: `s3://${bucket}/${key}`,
      location: { kind: 's3', bucket, key, etag },
      size,
      version: plainEtag,
      key: parseTrailKey(key),
      archiveKey: key,
    };
  }

  async *list(signal?: AbortSignal): AsyncIterable<TrailObject> {
    const prefix = this.#location.prefix;
    const segments = prefix.split('/');
    const at = segments.lastIndexOf('AWSLogs');
    const filtered = Object.keys(this.#filter).length > 0;
    if (at < 0) {
      // Above the layout: with a filter, walk the AWSLogs folder under the prefix; without one,
      // everything under the prefix is wanted anyway.
      if (!filtered) {
        yield* this.#objects(prefix, signal);
        return;
      }
      const base = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
      yield* this.#walkAccounts(`${base}AWSLogs/`, signal);
      return;
    }
    if (segments.length === at + 2 && segments[at + 1] === '') {
      yield* this.#walkAccounts(prefix, signal);
      return;
    }
    // Inside the layout already: the rest is a plain listing, filtered by key.
    yield* this.#objects(prefix, signal);
  }

  async *#walkAccounts(awsLogs: string, signal?: AbortSignal): AsyncIterable<TrailObject> {
    for (const name of await this.#folders(awsLogs, signal)) {
      if (ORG_ID.test(name)) {
        yield* this.#walkAccounts(`${awsLogs}${name}/`, signal);
        continue;
      }
      if (this.#filter.accounts && !this.#filter.accounts.includes(name)) continue;
      const accountPrefix = `${awsLogs}${name}/`;
      const folders = await this.#folders(accountPrefix, signal);
      for (const folder of folders.filter((f) => this.#walked.includes(f))) {
        for (const region of await this.#folders(`${accountPrefix}${folder}/`, signal)) {
          if (this.#filter.regions && !this.#filter.regions.includes(region)) continue;
          yield* this.#walkDays(`${accountPrefix}${folder}/${region}/`, signal);
        }
      }
    }
  }

  /**
   * Under a region: the YYYY/, MM/ and DD/ folders are listed one level at a time and only those
   * that can hold a day within --since/--until are entered.
   */
  async *#walkDays(regionPrefix: string, signal?: AbortSignal): AsyncIterable<TrailObject> {
    const { sinceDay, untilDay } = this.#filter;
    if (sinceDay === undefined && untilDay === undefined) {
      yield* this.#objects(regionPrefix, signal);
      return;
    }
    const inRange = (partial: string): boolean => {
      // `partial` is YYYY, YYYY-MM or YYYY-MM-DD; compare it with the bounds cut to its length.
      const n = partial.length;
      return (
        (sinceDay === undefined || partial >= sinceDay.slice(0, n)) &&
        (untilDay === undefined || partial <= untilDay.slice(0, n))
      );
    };
    for (const year of await this.#folders(regionPrefix, signal)) {
      if (!/^\d{4}$/.test(year) || !inRange(year)) continue;
      for (const month of await this.#folders(`${regionPrefix}${year}/`, signal)) {
        if (!inRange(`${year}-${month}`)) continue;
        for (const day of await this.#folders(`${regionPrefix}${year}/${month}/`, signal)) {
          if (!inRange(`${year}-${month}-${day}`)) continue;
          yield* this.#objects(`${regionPrefix}${year}/${month}/${day}/`, signal);
        }
      }
    }
  }
}
