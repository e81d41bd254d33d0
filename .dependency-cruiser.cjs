/**
 * The layering of src/, enforced by `npm run lint`: each layer imports only from itself and the
 * layers before it, so nothing runs back up the flow (the lake does not import ingest; the
 * library does not import the CLI). README's "How it works" follows this order.
 */
const LAYERS = [
  ['foundations', '^src/(defaults|errors)\\.ts$|^src/(util|text)/'],
  ['duckdb', '^src/duckdb/'],
  ['schema', '^src/schema/'],
  ['lake', '^src/lake/'],
  ['source', '^src/source/'],
  ['ingest', '^src/ingest/'],
  ['maintenance', '^src/maintenance/'],
  ['scale', '^src/scale/'],
  ['verify', '^src/verify/'],
  ['query', '^src/query/'],
  ['detect', '^src/detect/'],
  ['investigate', '^src/investigate/'],
  ['report', '^src/report/'],
  ['api', '^src/api\\.ts$'],
  ['cli', '^src/cli/'],
];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...LAYERS.flatMap(([name, path], i) =>
      LAYERS.slice(i + 1).map(([later, laterPath]) => ({
        name: `${name}-not-on-${later}`,
        comment: `${name} comes before ${later} in the flow and must not import it`,
        severity: 'error',
        from: { path },
        to: { path: laterPath },
      })),
    ),
    {
      name: 'every-module-in-a-layer',
      comment: 'a module of src/ outside every layer: add its folder to LAYERS',
      severity: 'error',
      from: { path: '^src/', pathNot: LAYERS.map(([, path]) => `(${path})`).join('|') },
      to: {},
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
