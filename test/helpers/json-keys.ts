/**
 * Keys that occur more than once in one object of a raw JSON text, with their path ("$.a.b"). JSON.parse keeps
 * the last value of a repeated key silently, so log lines must be checked before parsing.
 */
export function duplicateKeys(json: string): string[] {
  const dups: string[] = [];
  let i = 0;
  const ws = (): void => {
    while (/\s/.test(json[i] ?? '')) i++;
  };
  const str = (): string => {
    const start = i;
    i++; // opening quote
    while (json[i] !== '"') {
      if (i >= json.length) throw new Error(`unterminated string at ${start}`);
      i += json[i] === '\\' ? 2 : 1;
    }
    i++;
    return JSON.parse(json.slice(start, i)) as string;
  };
  const value = (where: string): void => {
    ws();
    const c = json[i];
    if (c === '{') {
      i++;
      const seen = new Set<string>();
      ws();
      if (json[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        const key = str();
        if (seen.has(key)) dups.push(`${where}.${key}`);
        seen.add(key);
        ws();
        i++; // colon
        value(`${where}.${key}`);
        ws();
        if (json[i++] === '}') return;
      }
    } else if (c === '[') {
      i++;
      ws();
      if (json[i] === ']') {
        i++;
        return;
      }
      for (let n = 0; ; n++) {
        value(`${where}[${n}]`);
        ws();
        if (json[i++] === ']') return;
      }
    } else if (c === '"') str();
    else while (i < json.length && !/[\s,}\]]/.test(json[i]!)) i++;
  };
  value('$');
  return dups;
}
