/**
 * The search semantics of the Typesense stand-in, after Typesense's documentation: tokens are lower-cased with
 * symbols removed; every query token must match a word of a query_by field, with up to `num_typos` edits
 * (1 from 4 characters, 2 from 7: min_len_1typo / min_len_2typo defaults) and the last token also as a prefix;
 * filter_by supports `field:=value`, backticked values, `field:=[a, b]`, numeric `:>=`, `:<=`, `:>`, `:<`, `:=`,
 * joined by `&&`.
 */

export type StoredDocument = Record<string, unknown> & { id: string };

const words = (value: unknown): string[] =>
  [value]
    .flat()
    .flatMap((v) => String(v).toLowerCase().split(/\s+/))
    .map((w) => w.replace(/[^\p{L}\p{N}]/gu, ''))
    .filter(Boolean);

/** Optimal string alignment distance (Damerau-Levenshtein with adjacent transpositions). */
export const editDistance = (a: string, b: string): number => {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
};

/** The text-match score of a document (higher is better), or undefined when a token is not found. */
export const matchDocument = (
  doc: StoredDocument,
  tokens: string[],
  queryBy: string[],
  numTypos: number,
): number | undefined => {
  const normalised = tokens.flatMap((t) => words(t));
  if (normalised.length === 0) return 0;
  const vocabulary = queryBy.flatMap((field) => words(doc[field]));
  let score = 0;
  for (const [i, token] of normalised.entries()) {
    const allowed = Math.min(numTypos, token.length >= 7 ? 2 : token.length >= 4 ? 1 : 0);
    const last = i === normalised.length - 1;
    let best: number | undefined;
    for (const word of vocabulary) {
      const s =
        word === token
          ? 100
          : last && word.startsWith(token)
            ? 95
            : editDistance(token, word) <= allowed
              ? 100 - 10 * editDistance(token, word)
              : undefined;
      if (s !== undefined && (best === undefined || s > best)) best = s;
    }
    if (best === undefined) return undefined;
    score += best;
  }
  return score;
};

type Predicate = (doc: StoredDocument) => boolean;

/** Splits on `&&` outside backticks. */
const clauses = (expr: string): string[] => {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < expr.length; i++) {
    const ch = expr[i]!;
    if (ch === '`') quoted = !quoted;
    if (!quoted && expr.startsWith('&&', i)) {
      out.push(current);
      current = '';
      i++;
      continue;
    }
    current += ch;
  }
  out.push(current);
  return out.map((c) => c.trim()).filter(Boolean);
};

const unquote = (v: string): string => (v.startsWith('`') && v.endsWith('`') ? v.slice(1, -1) : v.trim());

/** A predicate for filter_by, or an error message (Typesense answers 400 with it). */
export const parseFilter = (expr: string, fields: string[]): Predicate | string => {
  const predicates: Predicate[] = [];
  for (const clause of clauses(expr)) {
    const m = /^([A-Za-z_][A-Za-z0-9_.]*)\s*:\s*(>=|<=|>|<|=|)\s*(.*)$/s.exec(clause);
    if (!m) return `Could not parse the filter query: \`${clause}\`.`;
    const [, field, op, raw] = m as unknown as [string, string, string, string];
    if (!fields.includes(field)) return `Could not find a filter field named \`${field}\` in the schema.`;
    if (op === '>=' || op === '<=' || op === '>' || op === '<') {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n))
        return `Value of filter field \`${field}\` must be a number.`;
      const cmp = {
        '>=': (x: number) => x >= n,
        '<=': (x: number) => x <= n,
        '>': (x: number) => x > n,
        '<': (x: number) => x < n,
      }[op];
      predicates.push((d) => typeof d[field] === 'number' && cmp(d[field]));
      continue;
    }
    const values = raw.trim().startsWith('[')
      ? raw.trim().slice(1, -1).split(',').map(unquote)
      : [unquote(raw)];
    // `:=` is an exact match; `:` a token match, approximated here by a case-insensitive exact match.
    predicates.push((d) =>
      [d[field]]
        .flat()
        .some((v) =>
          values.some((x) =>
            typeof v === 'number'
              ? v === Number(x)
              : op === '='
                ? v === x
                : String(v).toLowerCase() === x.toLowerCase(),
          ),
        ),
    );
  }
  return (doc) => predicates.every((p) => p(doc));
};
