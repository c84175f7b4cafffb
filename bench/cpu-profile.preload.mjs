/**
 * A CPU profiler for processes the benches start, loaded with `--import` (through NODE_OPTIONS
 * where `--cpu-prof` is not allowed, as for the split processes started by test/split's Topology).
 *
 *   BENCH_CPU_PROF_DIR      where to write <BENCH_CPU_PROF_NAME or "node">-<pid>.cpuprofile; unset: does nothing
 *   BENCH_CPU_PROF_SIGNAL=1 profile only between two SIGUSR2 (the benches send one when the load
 *                           starts and one when it ends), so start-up and set-up are not in it;
 *                           otherwise from start to exit
 *   BENCH_CPU_PROF_INTERVAL_US sampling interval, default 1000 µs (as --cpu-prof)
 *
 * The profile is written at the second SIGUSR2, or at exit (the inspector session of the main
 * thread answers synchronously, so this works in an 'exit' handler; not after SIGKILL).
 * Read one with `npx tsx bench/cpuprofile-summary.ts <file>`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';

const dir = process.env.BENCH_CPU_PROF_DIR;
if (dir && isMainThread) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: Number(process.env.BENCH_CPU_PROF_INTERVAL_US) || 1000 });
  let state = 'idle'; // idle → running → written
  const start = () => {
    session.post('Profiler.start');
    state = 'running';
  };
  const write = () => {
    if (state !== 'running') return;
    state = 'written';
    session.post('Profiler.stop', (err, result) => {
      if (err || !result) return;
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${process.env.BENCH_CPU_PROF_NAME || 'node'}-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  };
  if (process.env.BENCH_CPU_PROF_SIGNAL === '1') {
    process.on('SIGUSR2', () => (state === 'idle' ? start() : write()));
  } else {
    start();
  }
  process.on('exit', write);
}
