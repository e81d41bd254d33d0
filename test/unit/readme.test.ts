import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventTableDdl } from '../../src/schema/transform.js';
import { REPO_ROOT } from '../util/cli.js';

describe('README', () => {
  it('shows the event table exactly as the schema defines it', () => {
    const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    expect(readme).toContain(eventTableDdl());
  });
});
