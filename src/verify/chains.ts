/**
 * Completeness of digest chains. CloudTrail delivers one digest per hour for each account,
 * region and trail, each starting where the previous one ended and naming it
 * (digest-structure.md, "Digest file chaining"). So, with the digests of a chain in time order,
 * every hole is visible from both sides: the digest after it names a predecessor that is not
 * there, and its start is later than the end of the digest before it. The whole hole is one
 * missing range however many digests it swallowed (aws-cli's validate-logs, walking back
 * through `previousDigestS3Object`, jumps to the next listed key after a missing digest and so
 * reports two deleted in a row as one: aws-cli issue 7054). A digest whose `previous*` fields
 * are null starts a new chain (logging or validation was stopped): the hole before it is a gap,
 * not an error.
 */

/** What the chain analysis needs of one digest. */
export interface ChainLink {
  /** The digest's key from `AWSLogs/` on: how digests name each other. */
  readonly trailKey: string;
  readonly account: string;
  readonly region: string;
  readonly trail: string;
  readonly backfill: boolean;
  readonly start: Date;
  readonly end: Date;
  /** `previousDigestS3Object` from `AWSLogs/` on; undefined when the chain starts here. */
  readonly previousTrailKey?: string;
  readonly previousHash?: string;
  readonly previousSignature?: string;
  /** SHA-256 of this digest's content and its signature, to check the next digest's link. */
  readonly contentSha256: string;
  readonly signature?: string;
  /**
   * The digest itself checked out (signature, place). The next digest's link is only checked
   * against an intact one: an altered digest is reported as itself, not as its successor's fault.
   */
  readonly intact: boolean;
}

export interface MissingRange {
  readonly account: string;
  readonly region: string;
  readonly trail: string;
  readonly from: string;
  readonly to: string;
  /** Hourly digests that fit in the range (at least 1). */
  readonly digests: number;
  /** The digest after the hole, which names the first missing one. */
  readonly nextDigest?: string;
  readonly backfill?: boolean;
}

export interface ChainFindings {
  readonly missing: MissingRange[];
  readonly gaps: MissingRange[];
  /** Digests whose link to their predecessor is broken, by trail key, with the reason. */
  readonly badLinks: Map<string, string>;
}

const HOUR_MS = 3_600_000;

function iso(date: Date): string {
  return date.toISOString().replace(/\.000Z$/, 'Z');
}

function range(first: ChainLink, from: Date, to: Date, next?: ChainLink): MissingRange {
  return {
    account: first.account,
    region: first.region,
    trail: first.trail,
    from: iso(from),
    to: iso(to),
    digests: Math.max(1, Math.round((to.getTime() - from.getTime()) / HOUR_MS)),
    ...(next ? { nextDigest: next.trailKey } : {}),
    ...(first.backfill ? { backfill: true } : {}),
  };
}

function chainId(link: ChainLink): string {
  return [link.account, link.region, link.trail, link.backfill ? 'backfill' : ''].join('|');
}

/**
 * Finds the holes in each chain, and links that do not hold. `scope` bounds the analysis: a
 * chain's first digest may name a predecessor before it (outside the archive, or deleted): that
 * is a hole only when `scope.from` reaches back past it; likewise the chain's last digest must
 * reach `scope.to` when it is given.
 */
export function analyseChains(
  links: readonly ChainLink[],
  scope: { readonly from?: Date; readonly to?: Date } = {},
): ChainFindings {
  const chains = new Map<string, ChainLink[]>();
  for (const link of links) {
    const id = chainId(link);
    chains.set(id, [...(chains.get(id) ?? []), link]);
  }
  const findings: ChainFindings = { missing: [], gaps: [], badLinks: new Map() };
  const byKey = new Map(links.map((l) => [l.trailKey, l]));
  for (const chain of chains.values()) {
    chain.sort(
      (a, b) => a.end.getTime() - b.end.getTime() || a.start.getTime() - b.start.getTime(),
    );
    const first = chain[0];
    const last = chain[chain.length - 1];
    if (!first || !last) continue;
    if (
      first.previousTrailKey !== undefined &&
      !byKey.has(first.previousTrailKey) &&
      scope.from !== undefined &&
      scope.from < first.start
    ) {
      findings.missing.push(range(first, scope.from, first.start, first));
    }
    for (let i = 1; i < chain.length; i++) {
      const before = chain[i - 1];
      const link = chain[i];
      if (!before || !link) continue;
      if (link.previousTrailKey === undefined) {
        if (link.start > before.end) findings.gaps.push(range(link, before.end, link.start, link));
        continue;
      }
      if (link.previousTrailKey !== before.trailKey) {
        const named = byKey.get(link.previousTrailKey);
        if (named === undefined) {
          findings.missing.push(range(link, before.end, link.start, link));
        } else {
          findings.badLinks.set(
            link.trailKey,
            `names ${named.trailKey} as its previous digest, but ${before.trailKey} comes before it`,
          );
        }
        continue;
      }
      if (!before.intact) continue;
      if (
        link.previousHash !== undefined &&
        link.previousHash.toLowerCase() !== before.contentSha256
      ) {
        findings.badLinks.set(
          link.trailKey,
          `previousDigestHashValue does not match the content of ${before.trailKey} (it was changed after this digest was signed)`,
        );
      } else if (
        before.signature !== undefined &&
        link.previousSignature !== undefined &&
        link.previousSignature.toLowerCase() !== before.signature.toLowerCase()
      ) {
        findings.badLinks.set(
          link.trailKey,
          `previousDigestSignature does not match the signature of ${before.trailKey}`,
        );
      } else if (link.start.getTime() !== before.end.getTime()) {
        findings.badLinks.set(
          link.trailKey,
          `starts at ${iso(link.start)}, but ${before.trailKey}, which it names as its previous digest, ends at ${iso(before.end)}`,
        );
      }
    }
    if (scope.to !== undefined && last.end < scope.to && !last.backfill) {
      findings.missing.push(range(last, last.end, scope.to));
    }
  }
  return findings;
}
