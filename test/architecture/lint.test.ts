/**
 * Formatting and lint rules (biome.json), run through Biome's CLI as `npm run lint` runs it.
 *
 * 1. The real tree must be formatted and have no lint diagnostic (warnings and infos included).
 * 2. The check must be able to fail: a throw-away tree with the project's configuration and one
 *    badly formatted file using `any` must be reported for both; the rules the configuration turns
 *    off must stay off.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIOME = createRequire(import.meta.url).resolve('@biomejs/biome/bin/biome');
/** Biome checks the whole tree in a few seconds; the bound is for a loaded machine. */
const TIMEOUT_MS = 60_000;

interface CheckResult {
  ok: boolean;
  output: string;
}

/** `biome check` in `cwd` with the biome.json found there, as `npm run lint`; infos count as findings too. */
function biomeCheck(cwd: string): Promise<CheckResult> {
  const args = [BIOME, 'check', '.', '--error-on-warnings', '--max-diagnostics=200', '--colors=off'];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { cwd, timeout: TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && (error.killed || typeof error.code !== 'number')) reject(new Error(`biome check did not finish: ${error.message}\n${stderr}`));
      else resolve({ ok: !error && !/Found \d+ infos?\./.test(`${stdout}${stderr}`), output: `${stdout}${stderr}` });
    });
  });
}

describe('formatting and lint (Biome)', () => {
  const scratch: string[] = [];
  afterAll(async () => {
    await Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it(
    'the tree is formatted and lint-clean (`npm run lint:fix` formats; lint findings are fixed by hand)',
    async () => {
      const { ok, output } = await biomeCheck(REPO_ROOT);
      expect(ok, output).toBe(true);
    },
    TIMEOUT_MS + 5_000,
  );

  it(
    'reports a badly formatted file and a lint finding with the project configuration, not the rules it turns off',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'mercato-lint-'));
      scratch.push(dir);
      await copyFile(join(REPO_ROOT, 'biome.json'), join(dir, 'biome.json'));
      await mkdir(join(dir, 'src'));
      await writeFile(join(dir, 'src', 'bad.ts'), 'export function f(x: any) { return x }\n');
      await writeFile(
        join(dir, 'src', 'allowed.ts'),
        "export function g(env: Record<string, string | undefined>, list: number[]): string {\n  return [env['HOME'], list[0]!].join('');\n}\n",
      );

      const { ok, output } = await biomeCheck(dir);
      expect(ok).toBe(false);
      expect(output).toContain('lint/suspicious/noExplicitAny');
      expect(output).toMatch(/src\/bad\.ts format/);
      expect(output).not.toContain('src/allowed.ts');
    },
    TIMEOUT_MS + 5_000,
  );
});
