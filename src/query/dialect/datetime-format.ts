/**
 * Date format patterns of the Trino dialect, turned into DuckDB's strftime/strptime patterns:
 * `format_datetime`/`parse_datetime` take Joda-style patterns (`yyyy-MM-dd HH:mm`),
 * `date_format`/`date_parse` take MySQL-style ones (`%Y-%m-%d %H:%i`). Unsupported letters are
 * refused with the letter named, rather than silently printed wrong.
 */

export class DateFormatError extends Error {
  override readonly name = 'DateFormatError';
}

/** Whether a pattern prints a timestamp (strftime) or reads one (strptime). */
export type DateDirection = 'format' | 'parse';

const YEAR: readonly (readonly [number, string])[] = [
  [4, '%Y'],
  [3, '%Y'],
  [2, '%y'],
  [1, '%Y'],
];

/** Joda pattern letters by run length (longest first) → strftime. */
const JODA: Record<string, readonly (readonly [number, string])[]> = {
  y: YEAR,
  // Year of era: the same digits as the year for every year a CloudTrail event can carry.
  Y: YEAR,
  // Week-based year (ISO 8601).
  x: [
    [4, '%G'],
    [3, '%G'],
    [2, '%g'],
    [1, '%G'],
  ],
  M: [
    [4, '%B'],
    [3, '%b'],
    [2, '%m'],
    [1, '%-m'],
  ],
  d: [
    [2, '%d'],
    [1, '%-d'],
  ],
  D: [
    [3, '%j'],
    [1, '%-j'],
  ],
  H: [
    [2, '%H'],
    [1, '%-H'],
  ],
  h: [
    [2, '%I'],
    [1, '%-I'],
  ],
  m: [
    [2, '%M'],
    [1, '%-M'],
  ],
  s: [
    [2, '%S'],
    [1, '%-S'],
  ],
  S: [
    [6, '%f'],
    [3, '%g'],
  ],
  a: [[1, '%p']],
  E: [
    [4, '%A'],
    [1, '%a'],
  ],
  e: [[1, '%u']],
  w: [
    [2, '%V'],
    [1, '%V'],
  ],
  z: [[1, '%Z']],
};

/**
 * Joda's offsets: `Z` is `+0000`, `ZZ` `+00:00`, `ZZZ` the zone id. DuckDB's strftime writes
 * `%z` as `+00`, which is neither; ctlake's timestamps are UTC in a UTC session, so the offset
 * printed is always zero and is written as Joda writes it. Read back, `%z` accepts both forms.
 */
function jodaOffset(run: number, direction: DateDirection): string {
  if (run >= 3) return '%Z';
  if (direction === 'parse') return '%z';
  return run === 2 ? '+00:00' : '+0000';
}

export function jodaToStrftime(pattern: string, direction: DateDirection = 'format'): string {
  let out = '';
  let i = 0;
  while (i < pattern.length) {
    const c = pattern.charAt(i);
    if (c === "'") {
      const close = pattern.indexOf("'", i + 1);
      if (close === i + 1) {
        out += "'";
        i += 2;
        continue;
      }
      const literal = close < 0 ? pattern.slice(i + 1) : pattern.slice(i + 1, close);
      out += literal.replaceAll('%', '%%');
      i = close < 0 ? pattern.length : close + 1;
      continue;
    }
    if (/[A-Za-z]/.test(c)) {
      let run = 1;
      while (pattern.charAt(i + run) === c) run++;
      if (c === 'Z') {
        out += jodaOffset(run, direction);
        i += run;
        continue;
      }
      const forms = JODA[c];
      const form = forms?.find(([n]) => run >= n);
      if (!form)
        throw new DateFormatError(`date pattern letter '${c.repeat(run)}' is not supported`);
      out += form[1];
      i += run;
      continue;
    }
    out += c === '%' ? '%%' : c;
    i++;
  }
  return out;
}

/** MySQL specifiers → strftime; those not listed are refused. */
const MYSQL: Record<string, string> = {
  Y: '%Y',
  y: '%y',
  m: '%m',
  c: '%-m',
  d: '%d',
  e: '%-d',
  H: '%H',
  k: '%-H',
  h: '%I',
  I: '%I',
  l: '%-I',
  i: '%M',
  s: '%S',
  S: '%S',
  f: '%f',
  p: '%p',
  a: '%a',
  W: '%A',
  b: '%b',
  M: '%B',
  j: '%j',
  T: '%H:%M:%S',
  r: '%I:%M:%S %p',
  w: '%w',
  v: '%V',
  x: '%G',
  '%': '%%',
};

export function mysqlToStrftime(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charAt(i);
    if (c !== '%') {
      out += c;
      continue;
    }
    const spec = pattern.charAt(i + 1);
    const mapped = MYSQL[spec];
    if (mapped === undefined)
      throw new DateFormatError(`date format specifier '%${spec}' is not supported`);
    out += mapped;
    i++;
  }
  return out;
}
