/**
 * Quoting for the few SQL statements ctlake writes itself (paths, settings, the schema's names):
 * `@duckdb/node-api`'s own helpers, so DuckDB's rules are written once. Values from users and logs
 * are never spliced into SQL: they are bound as parameters.
 */
export { quotedIdentifier, quotedString } from '@duckdb/node-api';
