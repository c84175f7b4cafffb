/**
 * The conventions every module follows (docs/ARCHITECTURE.md), checked on the source so that a
 * seventh module looks like the other six. dependency-cruiser checks imports; this checks names.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MODULES_DIR = fileURLToPath(new URL('../../src/modules/', import.meta.url));
const MODULES = readdirSync(MODULES_DIR, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);

/** What a file in application/ may be, by the role in its name. */
const APPLICATION_ROLES = ['command', 'handler', 'queries', 'view', 'service', 'dispatcher', 'data', 'port'];

interface SourceFile {
  module: string;
  name: string;
  text: string;
}

function filesOf(layer: string): SourceFile[] {
  return MODULES.flatMap((module) => {
    let names: string[];
    try {
      names = readdirSync(join(MODULES_DIR, module, layer)).filter((n) => n.endsWith('.ts'));
    } catch {
      return [];
    }
    return names.map((name) => ({ module, name, text: readFileSync(join(MODULES_DIR, module, layer, name), 'utf8') }));
  });
}

const pascal = (kebab: string) =>
  kebab
    .split('-')
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
const exportedClasses = (text: string) => [...text.matchAll(/^export class (\w+)/gm)].map((m) => m[1]!);
const role = (name: string) => /\.([a-z]+)\.ts$/.exec(name)?.[1];
const stem = (name: string) => name.replace(/\.[a-z]+\.ts$/, '');

const application = filesOf('application');

describe('module conventions', () => {
  it('finds the modules and their application code (not a vacuous pass)', () => {
    expect(MODULES.length).toBeGreaterThanOrEqual(6);
    expect(application.length).toBeGreaterThan(20);
  });

  it('names every application file <name>.<role>.ts with a known role', () => {
    const odd = application.filter((f) => !APPLICATION_ROLES.includes(role(f.name) ?? '')).map((f) => `${f.module}/application/${f.name}`);
    expect(odd, `roles: ${APPLICATION_ROLES.join(', ')}`).toEqual([]);
  });

  it('a <verb-noun>.command.ts holds one class <VerbNoun>Command that executes it', () => {
    const problems = application
      .filter((f) => role(f.name) === 'command')
      .flatMap((f) => {
        const expected = `${pascal(stem(f.name))}Command`;
        const classes = exportedClasses(f.text);
        if (classes.length !== 1 || classes[0] !== expected)
          return [`${f.module}/${f.name}: exports ${classes.join(', ') || 'no class'}, expected ${expected}`];
        return /\n\s+(async )?execute\(/.test(f.text) ? [] : [`${f.module}/${f.name}: ${expected} has no execute()`];
      });
    expect(problems).toEqual([]);
  });

  it('a <verb-noun>.handler.ts holds one event handler class <VerbNoun>Handler', () => {
    const handlers = application.filter((f) => role(f.name) === 'handler');
    expect(handlers.length).toBeGreaterThan(0);
    const problems = handlers.flatMap((f) => {
      const expected = `${pascal(stem(f.name))}Handler`;
      const classes = exportedClasses(f.text);
      if (classes.length !== 1 || classes[0] !== expected) return [`${f.module}/${f.name}: exports ${classes.join(', ') || 'no class'}, expected ${expected}`];
      return /implements EventHandler</.test(f.text) && /\n\s+(async )?handle\(/.test(f.text)
        ? []
        : [`${f.module}/${f.name}: ${expected} is not an EventHandler with handle()`];
    });
    expect(problems).toEqual([]);
  });

  it('a <name>.view.ts holds the <Name>View schema and its to<Name>View mapping; routes define no views', () => {
    const problems = application
      .filter((f) => role(f.name) === 'view')
      .flatMap((f) => {
        const view = `${pascal(stem(f.name))}View`;
        return new RegExp(`export const ${view} = z\\s*\\.`).test(f.text) && f.text.includes(`export function to${view}(`)
          ? []
          : [`${f.module}/${f.name}: expected ${view} and to${view}`];
      });
    const inlineViews = filesOf('infrastructure')
      .filter((f) => f.name.endsWith('.routes.ts') && /\.meta\(\{ id:/.test(f.text))
      .map((f) => `${f.module}/infrastructure/${f.name} defines a named schema; views live in application/<name>.view.ts`);
    expect([...problems, ...inlineViews]).toEqual([]);
  });

  it('gives every class of every module a name of its own', () => {
    const owners = new Map<string, string[]>();
    for (const layer of ['domain', 'application', 'infrastructure', 'contracts']) {
      for (const f of filesOf(layer))
        for (const name of exportedClasses(f.text)) owners.set(name, [...(owners.get(name) ?? []), `${f.module}/${layer}/${f.name}`]);
    }
    expect([...owners.entries()].filter(([, files]) => files.length > 1)).toEqual([]);
  });

  it('declares each event handler once: in on(Event, Handler), never registered again by hand', () => {
    const twice = MODULES.flatMap((module) => {
      const index = readFileSync(join(MODULES_DIR, module, 'index.ts'), 'utf8');
      return [...index.matchAll(/register(?:Singleton)?\((\w+Handler)\b/g)].map((m) => `${module}/index.ts registers ${m[1]}`);
    });
    expect(twice).toEqual([]);
  });
});
