/**
 * The engines `ctlake ddl` writes for, in a module of its own with no imports, so that the CLI
 * builds its `--engine` choices without loading the DDL writers (or DuckDB).
 */
export const LAKE_ENGINES = ['athena', 'trino', 'spark', 'duckdb'] as const;
export type LakeEngine = (typeof LAKE_ENGINES)[number];
