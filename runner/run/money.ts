/**
 * Rounds an exact decimal string to cents (half away from zero) without passing through binary floating point,
 * then returns it as a JSON number for the run summary.
 */
export function roundMoney(value: string | number | null | undefined): number {
  if (value === null || value === undefined) return 0;
  const s = String(value).trim();
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(s);
  if (!m) throw new Error(`not a decimal: ${s}`);
  const negative = m[1] === '-';
  const frac = (m[3] ?? '').padEnd(3, '0');
  let cents = BigInt((m[2] || '0') + frac.slice(0, 2));
  if (Number(frac[2]) >= 5) cents += 1n;
  const str = cents.toString().padStart(3, '0');
  return Number(`${negative && cents !== 0n ? '-' : ''}${str.slice(0, -2)}.${str.slice(-2)}`);
}
