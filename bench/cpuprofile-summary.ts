/**
 * Summarises V8 .cpuprofile files (from --cpu-prof or bench/cpu-profile.preload.mjs): the
 * functions with the most self time, and the same time grouped by where the code lives (an npm
 * package, a folder of src/, node's internals, GC).
 *
 *   npx tsx bench/cpuprofile-summary.ts <file.cpuprofile>... [--top 25] [--markdown] [--callers NAME [--depth 6]]
 *
 * --callers NAME: for the frames whose function is NAME (e.g. a native one such as writeBuffer),
 * the call stacks above them that account for their self time, heaviest first.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

const args = process.argv.slice(2);
const topIndex = args.indexOf('--top');
const TOP = topIndex >= 0 ? Number(args[topIndex + 1]) : 25;
const MARKDOWN = args.includes('--markdown');
const callersIndex = args.indexOf('--callers');
const CALLERS = callersIndex >= 0 ? args[callersIndex + 1] : undefined;
const depthIndex = args.indexOf('--depth');
const DEPTH = depthIndex >= 0 ? Number(args[depthIndex + 1]) : 6;
const files = args.filter((a) => a.endsWith('.cpuprofile'));
if (files.length === 0) {
  process.stderr.write('usage: npx tsx bench/cpuprofile-summary.ts <file.cpuprofile>... [--top 25] [--markdown]\n');
  process.exit(2);
}

/** Where a frame's code lives: an npm package, a folder of the project, node's internals, or a V8 pseudo-frame. */
export function area(frame: CallFrame): string {
  const url = frame.url;
  if (!url) return frame.functionName.startsWith('(') ? frame.functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const src = /\/(src\/(?:kernel|modules)\/[^/]+|src\/[^/]+|bench|test)\//.exec(url);
  if (src) return src[1]!;
  return url
    .replace(/^file:\/\//, '')
    .split('/')
    .slice(-2)
    .join('/');
}

function shortUrl(url: string): string {
  if (!url) return '';
  const pkg = /node_modules\/(.*)$/.exec(url);
  if (pkg) return pkg[1]!;
  const src = /\/((?:src|bench|test)\/.*)$/.exec(url);
  return src ? src[1]! : url.replace(/^file:\/\//, '');
}

function summarise(file: string): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  // Sample i lasted until sample i+1 (the last one until endTime).
  for (let i = 0; i < samples.length; i++) {
    const dt = i + 1 < deltas.length ? deltas[i + 1]! : Math.max(0, profile.endTime - (profile.startTime + deltas.slice(0, i + 1).reduce((a, b) => a + b, 0)));
    selfUs.set(samples[i]!, (selfUs.get(samples[i]!) ?? 0) + Math.max(0, dt));
  }
  const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const idleUs = [...selfUs].filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)').reduce((a, [, us]) => a + us, 0);
  const busyUs = totalUs - idleUs;

  const fns = new Map<string, { us: number; area: string }>();
  const areas = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)') continue;
    const key = `${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
    const a = area(frame);
    fns.set(key, { us: (fns.get(key)?.us ?? 0) + us, area: a });
    areas.set(a, (areas.get(a) ?? 0) + us);
  }
  if (CALLERS) {
    const parent = new Map<number, number>();
    for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const stacks = new Map<string, number>();
    let total = 0;
    for (const [id, us] of selfUs) {
      if (byId.get(id)!.callFrame.functionName !== CALLERS) continue;
      total += us;
      const chain: string[] = [];
      for (let p = parent.get(id); p !== undefined && chain.length < DEPTH; p = parent.get(p)) {
        const f = byId.get(p)!.callFrame;
        if (f.functionName === '(root)') break;
        chain.push(`${f.functionName || '(anonymous)'} ${shortUrl(f.url)}${f.url ? `:${f.lineNumber + 1}` : ''}`);
      }
      stacks.set(chain.join('\n      <- '), (stacks.get(chain.join('\n      <- ')) ?? 0) + us);
    }
    const lines = [`${basename(file)}: ${CALLERS}: ${(total / 1000).toFixed(0)} ms self (${((total / busyUs) * 100).toFixed(1)}% of busy); heaviest callers:`];
    for (const [chain, us] of [...stacks].sort((a, b) => b[1] - a[1]).slice(0, TOP)) lines.push(`  ${((us / total) * 100).toFixed(1).padStart(5)}%  ${chain}`);
    return lines.join('\n');
  }
  const pct = (us: number) => `${((us / busyUs) * 100).toFixed(1)}%`.padStart(6);
  const ms = (us: number) => `${(us / 1000).toFixed(0)} ms`.padStart(9);
  const lines: string[] = [];
  lines.push(
    `${basename(file)}: ${(totalUs / 1e6).toFixed(1)} s sampled, ${(busyUs / 1e6).toFixed(1)} s busy (${((busyUs / Math.max(1, totalUs)) * 100).toFixed(0)}%); shares below are of the busy time`,
  );
  lines.push('', `top ${TOP} functions by self time:`);
  for (const [key, v] of [...fns].sort((a, b) => b[1].us - a[1].us).slice(0, TOP)) lines.push(`${pct(v.us)} ${ms(v.us)}  ${key}  [${v.area}]`);
  lines.push('', 'self time by area:');
  for (const [a, us] of [...areas].sort((x, y) => y[1] - x[1]).slice(0, TOP)) lines.push(`${pct(us)} ${ms(us)}  ${a}`);
  return MARKDOWN ? ['```', ...lines, '```'].join('\n') : lines.join('\n');
}

process.stdout.write(`${files.map(summarise).join('\n\n')}\n`);
