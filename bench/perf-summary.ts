/**
 * Summarises an on-CPU profile taken with Linux perf while a bench runs (see bench/README.md,
 * "Profiles"): for one process, the share of its samples in each area (an npm package, a part of
 * Node, the kernel) and the symbols with the most self time. perf samples only what runs on a
 * CPU, unlike V8's profiler, whose wall-clock samples also count a thread waiting for one.
 *
 *   perf script -i perf.data -F pid,tid,time,ip,sym,dso > perf.txt
 *   npx tsx bench/perf-summary.ts perf.txt --pid 1234 [--window 30 --skip-end 3] [--match 'kafkajs' --match 'pg/lib|pg-protocol']
 *
 * --window S --skip-end E: only the samples from E + S to E seconds before the process's last one
 * (the bench's open loop is the last 30 s of load before the processes stop). --match RE: the
 * share of samples with a frame matching RE anywhere in the stack (inclusive) and on top (self).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface Sample {
  time: number;
  frames: string[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    pid: { type: 'string' },
    window: { type: 'string', default: '0' },
    'skip-end': { type: 'string', default: '0' },
    match: { type: 'string', multiple: true, default: [] },
    top: { type: 'string', default: '25' },
  },
});
if (!values.pid || positionals.length !== 1) {
  process.stderr.write('usage: npx tsx bench/perf-summary.ts <perf script output> --pid N [--window S --skip-end E] [--match RE]...\n');
  process.exit(2);
}

/** The samples of one process from `perf script -F pid,tid,time,ip,sym,dso`: a header line, then one frame per tab-indented line. */
function samplesOf(text: string, pid: string): Sample[] {
  const samples: Sample[] = [];
  let current: Sample | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('\t')) {
      current?.frames.push(line.trim());
      continue;
    }
    current = undefined;
    const [ids, time] = line.trim().split(/\s+/);
    if (ids?.split('/')[0] !== pid || !time) continue;
    current = { time: Number.parseFloat(time), frames: [] };
    samples.push(current);
  }
  return samples;
}

function inWindow(samples: Sample[]): Sample[] {
  const windowS = Number(values.window);
  if (windowS <= 0) return samples;
  const last = Math.max(...samples.map((s) => s.time));
  const end = last - Number(values['skip-end']);
  return samples.filter((s) => s.time >= end - windowS && s.time <= end);
}

/** Where a frame's code lives: an npm package, a Node internal module, the kernel, or native code. */
function areaOf(frame: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(frame);
  if (pkg) return pkg[1]!;
  if (frame.includes('/src/') || frame.includes('/.start/')) return 'mercato';
  const internal = /node:([\w/]+)/.exec(frame);
  if (internal) return `node:${internal[1]}`;
  if (frame.includes('[kernel')) return '(kernel)';
  if (/Scaveng|GarbageColl|MarkCompact|Heap::/.test(frame)) return '(garbage collector)';
  return '(native)';
}

/**
 * Whose self time a sample is: V8's builtins and runtime (native code in the node binary) count
 * for the JavaScript that called them, the kernel and the collector for themselves.
 */
function ownerOf(frames: string[]): string {
  const top = areaOf(frames[0]!);
  if (top !== '(native)') return top;
  return frames.map(areaOf).find((a) => a !== '(native)' && a !== '(kernel)') ?? '(native)';
}

const symbolOf = (frame: string) => frame.replace(/^[0-9a-f]+ /, '').replace(/^JS:[*~^]?/, '');
const pct = (n: number, of: number) => `${((100 * n) / of).toFixed(1).padStart(5)}%`;

function top(counts: Map<string, number>, n: number, of: number): string[] {
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, count]) => `${pct(count, of)}  ${name.slice(0, 140)}`);
}

const samples = inWindow(samplesOf(readFileSync(positionals[0]!, 'utf8'), values.pid));
if (samples.length === 0) {
  process.stderr.write(`no samples of pid ${values.pid}\n`);
  process.exit(1);
}
const selfByArea = new Map<string, number>();
const inclusiveByArea = new Map<string, number>();
const selfBySymbol = new Map<string, number>();
for (const { frames } of samples) {
  if (frames.length === 0) continue;
  const topFrame = frames[0]!;
  const area = ownerOf(frames);
  selfByArea.set(area, (selfByArea.get(area) ?? 0) + 1);
  selfBySymbol.set(symbolOf(topFrame), (selfBySymbol.get(symbolOf(topFrame)) ?? 0) + 1);
  for (const area of new Set(frames.map(areaOf))) inclusiveByArea.set(area, (inclusiveByArea.get(area) ?? 0) + 1);
}
const n = samples.length;
const out = (line = '') => process.stdout.write(`${line}\n`);
out(`pid ${values.pid}: ${n} samples`);
out('\nself time by area (builtins and runtime count for their JavaScript caller):');
for (const line of top(selfByArea, 15, n)) out(line);
out('\nanywhere in the stack, by area (a caller of other code counts for all of it):');
for (const line of top(inclusiveByArea, 25, n)) out(line);
out(`\ntop ${values.top} symbols by self time:`);
for (const line of top(selfBySymbol, Number(values.top), n)) out(line);
if (values.match.length > 0) out('\nmatches (inclusive, self):');
for (const pattern of values.match) {
  const re = new RegExp(pattern);
  const inclusive = samples.filter((s) => s.frames.some((f) => re.test(f))).length;
  const self = samples.filter((s) => s.frames[0] !== undefined && re.test(s.frames[0])).length;
  out(`${pct(inclusive, n)} ${pct(self, n)}  ${pattern}`);
}
