/**
 * The API contract, committed in the repository: `api/openapi.json`, `api/asyncapi.json` and the
 * client types `client/schema.ts`, all generated from the module definitions.
 *
 *   npm run gen:client                 regenerate them (then review and commit the change)
 *   npm run api:check                  fail on any difference between the code and the committed files,
 *                                      naming the changes that break existing clients
 *   npm run api:check -- --base REF    also name the breaking changes since the contract committed at REF
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { diffContract, type ContractChange, type ContractDocuments } from './contract-diff.js';
import { CONTRACT_FILES, renderContract, type ContractFile } from './contract-files.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function committed(file: ContractFile): string | undefined {
  const path = resolve(ROOT, CONTRACT_FILES[file]);
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

function documents(openapi: string | undefined, asyncapi: string | undefined): ContractDocuments {
  return { openapi: openapi ? JSON.parse(openapi) : {}, asyncapi: asyncapi ? JSON.parse(asyncapi) : {} };
}

function atRevision(ref: string, file: ContractFile): string | undefined {
  try {
    return execFileSync('git', ['show', `${ref}:${CONTRACT_FILES[file]}`], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
}

function report(changes: ContractChange[], heading: string): void {
  const breaking = changes.filter((c) => c.breaking);
  console.log(`${heading}: ${breaking.length} breaking, ${changes.length - breaking.length} other`);
  for (const c of changes) console.log(`  ${c.breaking ? 'BREAKING' : 'change  '}  ${c.where}: ${c.what}`);
}

async function generate(): Promise<void> {
  const rendered = await renderContract();
  for (const [file, content] of Object.entries(rendered) as [ContractFile, string][]) {
    const path = resolve(ROOT, CONTRACT_FILES[file]);
    mkdirSync(dirname(path), { recursive: true });
    const changed = committed(file) !== content;
    writeFileSync(path, content);
    console.log(`${changed ? 'wrote    ' : 'unchanged'} ${CONTRACT_FILES[file]}`);
  }
}

async function check(base: string | undefined): Promise<number> {
  const rendered = await renderContract();
  const stale = (Object.keys(rendered) as ContractFile[]).filter((file) => committed(file) !== rendered[file]);
  let failed = false;
  if (stale.length > 0) {
    failed = true;
    console.log(`api:check: the code no longer matches the committed contract (${stale.map((f) => CONTRACT_FILES[f]).join(', ')}).`);
    report(
      diffContract(documents(committed('openapi'), committed('asyncapi')), documents(rendered.openapi, rendered.asyncapi)),
      'changes from the committed contract',
    );
    console.log('If the change is intended: `npm run gen:client`, review the diff and commit it. A breaking change needs a new');
    console.log('version instead (a /api/v2 route, a .v2 event type) or an agreed migration of every client.');
  } else {
    console.log(`api:check: ${Object.values(CONTRACT_FILES).join(', ')} match the code.`);
  }
  if (base) {
    const before = documents(atRevision(base, 'openapi'), atRevision(base, 'asyncapi'));
    const changes = diffContract(before, documents(rendered.openapi, rendered.asyncapi));
    report(changes, `changes since ${base}`);
    if (changes.some((c) => c.breaking)) failed = true;
  }
  return failed ? 1 : 0;
}

const [command, ...args] = process.argv.slice(2);
const baseAt = args.indexOf('--base');
if (command === 'generate') await generate();
else if (command === 'check') process.exitCode = await check(baseAt >= 0 ? args[baseAt + 1] : undefined);
else {
  console.error('usage: tsx scripts/api/contract.ts generate | check [--base <git-ref>]');
  process.exitCode = 2;
}
