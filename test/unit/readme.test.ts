import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { builtInPacks } from '../../src/detect/rules.js';
import { TRINO_FUNCTIONS } from '../../src/query/dialect/trino-functions.js';
import { loadNamedQueries } from '../../src/query/named-queries.js';
import { eventTableDdl } from '../../src/schema/transform.js';
import { REPO_ROOT } from '../util/cli.js';

describe('README', () => {
  it('shows the event table exactly as the schema defines it', () => {
    const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    expect(readme).toContain(eventTableDdl());
  });
});

describe('README documents', () => {
  const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');

  it('every Trino function the dialect rewrites', () => {
    for (const name of TRINO_FUNCTIONS) expect(readme, name).toContain(`\`${name}`);
  });

  it('every named query of the pack', () => {
    for (const q of loadNamedQueries())
      expect(readme, q.name).toContain(`| \`${q.name}\` | ${q.title}`);
  });

  it('every built-in detection pack with its number of rules', () => {
    for (const pack of builtInPacks()) {
      const rules = readdirSync(path.join(REPO_ROOT, 'rules', pack)).filter((f) =>
        f.endsWith('.yml'),
      );
      expect(readme, pack).toContain(`| \`${pack}\` | ${String(rules.length)} |`);
    }
  });
});
