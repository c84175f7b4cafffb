/**
 * Whether a line a Mercato process wrote deserves attention: a pino JSON line at warn or above
 * (level 40+), or anything that is not a JSON log line at all (a crash, a stack, a stray print).
 */
export function isWarningLine(line: string): boolean {
  return !line.startsWith('{') || /"level":(?:[4-9]\d|\d{3,})\b/.test(line);
}
