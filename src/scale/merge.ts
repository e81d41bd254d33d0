/**
 * `merge`: combines lakes built apart (the shards of `ingest --shard i/n`, or lakes of different
 * trails) into one, without reading an event again. Parts are immutable files, so each live part
 * of a source is hard-linked into the target's staging (copied, and its hash checked, when the
 * lakes are on different filesystems), and the catalogs are unioned; then one commit records it
 * all and moves the parts in, as an ingest task's commit does, so an interrupted merge leaves the
 * target as it was and is simply run again. The source lakes are left whole and usable.
 *
 * An object two of the lakes hold (the same file of CloudTrail's layout, wherever each lake read
 * it from) is refused with its name before anything changes: shards that overlap were split with
 * different n, or one lake was ingested twice, and merging would count its events twice.
 */
import { existsSync, realpathSync } from 'node:fs';
import { copyFile, link, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_LAKE_DIR } from '../defaults.js';
import { CtlakeError, UsageError, errnoReason } from '../errors.js';
import { Catalog, type CommittedPart, type MergeSource } from '../lake/catalog.js';
import { type LakeLayout, lakeLayout } from '../lake/layout.js';
import { sha256File } from '../util/file-hash.js';

export interface MergeOptions {
  /** The lakes to merge in (each left as it was). */
  readonly sources: readonly string[];
  /** The lake they are merged into, created when absent (default `ctlake-lake`). */
  readonly lakeDir?: string;
  /** Stops the merge before its commit: nothing is merged then. */
  readonly signal?: AbortSignal;
}

export interface MergeSummary {
  /** Lakes merged in. */
  readonly lakes: number;
  readonly parts: number;
  readonly objects: number;
  readonly events: number;
  readonly bytes: number;
  /** Parts copied (and hash-checked) because a hard link across filesystems is impossible. */
  readonly copied: number;
}

/** A lake's directory as the filesystem names it, to tell two spellings of one lake apart. */
function realRoot(layout: LakeLayout): string {
  return existsSync(layout.root) ? realpathSync(layout.root) : layout.root;
}

function checkSources(target: LakeLayout, sources: readonly LakeLayout[]): void {
  if (sources.length === 0) throw new UsageError('merge: name at least one lake to merge in');
  const seen = new Map<string, string>([[realRoot(target), target.root]]);
  for (const source of sources) {
    if (!existsSync(source.catalogPath)) {
      throw new UsageError(`merge: no lake at ${source.root} (no catalog.duckdb)`);
    }
    const real = realRoot(source);
    const earlier = seen.get(real);
    if (earlier === target.root) {
      throw new UsageError(`merge: ${source.root} is the lake merged into (--lake)`);
    }
    if (earlier !== undefined) throw new UsageError(`merge: ${source.root} is named twice`);
    seen.set(real, source.root);
  }
}

/**
 * Puts a part of a source lake in the target's staging: a hard link (no bytes copied), else a
 * copy whose hash must match the one recorded at the part's commit.
 */
async function stagePart(
  source: MergeSource,
  part: MergeSource['parts'][number],
  staged: string,
): Promise<{ sha256: string; copied: boolean }> {
  const file = path.join(source.layout.eventsDir, part.part);
  await mkdir(path.dirname(staged), { recursive: true });
  try {
    await link(file, staged);
    return { sha256: part.sha256 ?? (await sha256File(staged)), copied: false };
  } catch (error) {
    const reason = errnoReason(error);
    if (reason === 'ENOENT') {
      throw new CtlakeError(
        'LAKE_INVALID',
        `lake ${source.layout.root} is damaged: its part ${part.part} is missing (nothing merged)`,
      );
    }
    // EXDEV (another filesystem), EPERM (one without hard links): copy instead.
    if (reason !== 'EXDEV' && reason !== 'EPERM' && reason !== 'EMLINK') throw error;
  }
  await copyFile(file, staged);
  const sha256 = await sha256File(staged);
  if (part.sha256 !== undefined && sha256 !== part.sha256) {
    throw new CtlakeError(
      'LAKE_INVALID',
      `lake ${source.layout.root}: part ${part.part} does not match the SHA-256 recorded when it was written (altered?); nothing merged`,
    );
  }
  return { sha256, copied: true };
}

/** The part's name in the target: its own (run and task numbers repeat across lakes) + the merge. */
function mergedPartPath(part: string, runId: number, lake: number): string {
  const stem = path.basename(part, '.parquet');
  return path.join(path.dirname(part), `${stem}-m${String(runId)}l${String(lake)}.parquet`);
}

/**
 * Merges `sources` into the lake at `lakeDir`. Throws UsageError for a source that is no lake or
 * is the target, CtlakeError (LAKE_BUSY) when one is being written, and (LAKE_INVALID) naming an
 * object two lakes hold or a source part that is missing or altered; nothing is merged then.
 */
export async function merge(options: MergeOptions): Promise<MergeSummary> {
  const target = lakeLayout(options.lakeDir ?? DEFAULT_LAKE_DIR);
  const layouts = options.sources.map(lakeLayout);
  checkSources(target, layouts);
  // Opening each source for writing finishes any commit it had under way (a crash), so its
  // catalog and its files agree before they are read.
  for (const layout of layouts) (await Catalog.open(layout)).close();
  const catalog = await Catalog.open(target);
  const runId = await catalog.beginRun(`merge ${layouts.map((l) => l.root).join(' ')}`);
  const stagingDir = path.join(target.stagingDir, `merge-r${String(runId)}`);
  let sources: MergeSource[] = [];
  try {
    sources = await catalog.attachForMerge(layouts);
    const shared = await catalog.sharedObject(sources);
    if (shared !== undefined) {
      const lakeName = (i: number): string =>
        i === 0 ? target.root : (layouts[i - 1]?.root ?? '?');
      const [first = 0, second = 0] = shared.lakes;
      throw new CtlakeError(
        'LAKE_INVALID',
        `merge: object ${shared.uris[1] ?? shared.identity} is in both ${lakeName(first)} and ${lakeName(second)} (overlapping shards, or one archive ingested twice); nothing merged`,
      );
    }
    const parts: CommittedPart[] = [];
    let copied = 0;
    for (const [i, source] of sources.entries()) {
      for (const part of source.parts) {
        if (options.signal?.aborted) {
          throw new CtlakeError(
            'INTERRUPTED',
            'merge interrupted before its commit: nothing merged',
          );
        }
        const lakePath = mergedPartPath(part.part, runId, i + 1);
        const staged = path.join(stagingDir, lakePath);
        const result = await stagePart(source, part, staged);
        if (result.copied) copied++;
        parts.push({
          stagedPath: staged,
          lakePath,
          rows: part.rows,
          bytes: part.bytes,
          sha256: result.sha256,
        });
      }
    }
    await catalog.commitMerge(runId, sources, parts);
    const summary: MergeSummary = {
      lakes: sources.length,
      parts: parts.length,
      objects: sources.reduce((n, s) => n + s.objects, 0),
      events: parts.reduce((n, p) => n + p.rows, 0),
      bytes: parts.reduce((n, p) => n + p.bytes, 0),
      copied,
    };
    await catalog.detach(sources);
    sources = [];
    await catalog.finishRun(runId, 'done', {
      objects: summary.objects,
      events: summary.events,
      bytes: summary.bytes,
      errors: 0,
    });
    return summary;
  } catch (error) {
    await catalog.detach(sources);
    await catalog.finishRun(runId, 'failed', { objects: 0, events: 0, bytes: 0, errors: 1 });
    throw error;
  } finally {
    await rm(stagingDir, { recursive: true, force: true });
    catalog.close();
  }
}
