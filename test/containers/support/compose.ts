import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

/**
 * The container suite's handle on a real Docker engine: `docker` and `docker-compose` (1.29, the
 * one Debian ships) run as child processes, each bounded in time (killed when over). The project
 * gets its own name, env file and published port, so it never touches a user's `mercato` project
 * or deploy/compose/.env.
 */

export const REPO = resolve(import.meta.dirname, '../../..');
export const COMPOSE_FILE = resolve(REPO, 'deploy/compose/compose.yaml');
export const DOCKERFILE = resolve(REPO, 'deploy/docker/Dockerfile');

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a command to completion within `timeoutMs` (SIGKILL after), never throwing. */
export function run(command: string, args: string[], options: { timeoutMs: number; env?: Record<string, string>; input?: string }): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolveRun) => {
    const child = spawn(command, args, { cwd: REPO, env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => {
      stderr += `\n[killed: ${command} ${args.join(' ')} ran over ${options.timeoutMs} ms]`;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolveRun({ code: -1, stdout, stderr: `${stderr}${err.message}`, ms: Date.now() - started });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr, ms: Date.now() - started });
    });
    // A command that exits without reading its input closes the pipe: that is no failure of ours.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** Like run(), but a non-zero exit is an error carrying the output. */
export async function must(command: string, args: string[], options: { timeoutMs: number; env?: Record<string, string>; input?: string }): Promise<RunResult> {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (exit ${result.code}):\n${result.stderr.slice(-4000)}\n${result.stdout.slice(-2000)}`);
  }
  return result;
}

/** Whether this machine can run the suite; the reason when not. */
export async function dockerAvailable(): Promise<string | undefined> {
  for (const [tool, args] of [
    ['docker', ['version', '--format', '{{.Server.Version}}']],
    ['docker-compose', ['version', '--short']],
  ] as const) {
    const result = await run(tool, [...args], { timeoutMs: 20_000 });
    if (result.code !== 0)
      return `\`${tool} ${args.join(' ')}\` failed: ${(result.stderr || result.stdout).trim().split('\n').slice(-2).join(' ') || `exit ${result.code}`}`;
  }
  return undefined;
}

export async function imagePresent(name: string): Promise<boolean> {
  return (await run('docker', ['image', 'inspect', name], { timeoutMs: 20_000 })).code === 0;
}

/** A free TCP port on 127.0.0.1 for the gateway's published port. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

export interface ContainerInfo {
  id: string;
  name: string;
  running: boolean;
  health: string;
  restartCount: number;
  startedAt: string;
  ip: string;
}

/** One docker-compose project of deploy/compose/compose.yaml. */
export class ComposeProject {
  constructor(
    readonly name: string,
    readonly envFile: string,
    /** Set in docker-compose's environment: the shell wins over the env file. */
    readonly env: Record<string, string>,
  ) {}

  compose(args: string[], timeoutMs: number): Promise<RunResult> {
    return run('docker-compose', ['-p', this.name, '--env-file', this.envFile, '-f', COMPOSE_FILE, ...args], { timeoutMs, env: this.env });
  }

  async mustCompose(args: string[], timeoutMs: number): Promise<RunResult> {
    const result = await this.compose(args, timeoutMs);
    if (result.code !== 0) throw new Error(`docker-compose ${args.join(' ')} failed (exit ${result.code}):\n${result.stderr.slice(-4000)}`);
    return result;
  }

  /** `up -d` with every scale given (compose resets a service left out to 1). */
  up(scales: Record<string, number>, timeoutMs: number): Promise<RunResult> {
    const flags = Object.entries(scales).flatMap(([service, n]) => ['--scale', `${service}=${n}`]);
    return this.mustCompose(['up', '-d', ...flags], timeoutMs);
  }

  async containerIds(service?: string): Promise<string[]> {
    const result = await this.mustCompose(['ps', '-q', ...(service ? [service] : [])], 60_000);
    return result.stdout
      .split('\n')
      .map((s) => s.trim())
      .filter(Boolean);
  }

  async inspect(ids: string[]): Promise<ContainerInfo[]> {
    if (ids.length === 0) return [];
    const format =
      '{{.Id}}\t{{.Name}}\t{{.State.Running}}\t{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}\t{{.RestartCount}}\t{{.State.StartedAt}}\t{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}';
    const result = await must('docker', ['inspect', '--format', format, ...ids], { timeoutMs: 60_000 });
    return result.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [id, name, running, health, restarts, startedAt, ip] = line.split('\t');
        return {
          id: id!,
          name: name!.replace(/^\//, ''),
          running: running === 'true',
          health: health!,
          restartCount: Number(restarts),
          startedAt: startedAt!,
          ip: (ip ?? '').trim(),
        };
      });
  }

  async containers(service: string): Promise<ContainerInfo[]> {
    return this.inspect(await this.containerIds(service));
  }

  /** A command in a running container (no TTY), bounded. */
  exec(container: string, command: string[], timeoutMs = 60_000): Promise<RunResult> {
    return run('docker', ['exec', container, ...command], { timeoutMs });
  }

  /** Rows of a query run by psql inside the postgres container (no port is published). */
  async sql(query: string): Promise<string[][]> {
    const [postgres] = await this.containerIds('postgres');
    if (!postgres) throw new Error('no postgres container');
    const result = await must(
      'docker',
      ['exec', '-i', postgres, 'psql', '-U', 'mercato', '-d', 'mercato', '-v', 'ON_ERROR_STOP=1', '-At', '-F', '\t', '-f', '-'],
      {
        timeoutMs: 60_000,
        input: query,
      },
    );
    return result.stdout
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => l.split('\t'));
  }

  /** `events_consumed_total` of one container (its /metrics, fetched from inside it), by `module|type|outcome`. */
  async consumedEvents(container: string): Promise<Map<string, number>> {
    const text = await this.metrics(container);
    const out = new Map<string, number>();
    for (const line of text.split('\n')) {
      const m = /^events_consumed_total\{([^}]*)\}\s+(\S+)/.exec(line);
      if (!m) continue;
      const labels = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
      out.set(`${labels.module}|${labels.type}|${labels.outcome}`, Number(m[2]));
    }
    return out;
  }

  /** HTTP requests a container served on routes starting with `prefix` (from its http_request_duration_seconds). */
  async requestsServed(container: string, prefix: string): Promise<number> {
    const text = await this.metrics(container);
    let total = 0;
    for (const line of text.split('\n')) {
      const m = /^http_request_duration_seconds_count\{([^}]*)\}\s+(\S+)/.exec(line);
      if (m && new RegExp(`route="${prefix.replace(/[/.]/g, '\\$&')}`).test(m[1]!)) total += Number(m[2]);
    }
    return total;
  }

  private async metrics(container: string): Promise<string> {
    const script =
      "fetch('http://127.0.0.1:3000/metrics',{signal:AbortSignal.timeout(5000)}).then(r=>r.text()).then(t=>process.stdout.write(t),e=>{console.error(e.message);process.exit(1)})";
    const result = await must('docker', ['exec', container, 'node', '-e', script], { timeoutMs: 30_000 });
    return result.stdout;
  }

  /** One container's recent health-check results and the end of its log, for a failed test. */
  async health(container: string, lines = 150): Promise<string> {
    const state = await run('docker', ['inspect', '--format', '{{json .State}}', container], { timeoutMs: 30_000 });
    const log = await run('docker', ['logs', `--tail=${lines}`, container], { timeoutMs: 30_000 });
    return `state: ${state.stdout.trim()}\n--- last ${lines} lines of its log ---\n${log.stdout}${log.stderr}`;
  }

  /** The last lines of every container's log, for a failed test. */
  async logs(lines = 80): Promise<string> {
    const result = await this.compose(['logs', '--no-color', `--tail=${lines}`], 60_000);
    return result.stdout.slice(-60_000);
  }

  down(timeoutMs: number): Promise<RunResult> {
    return this.compose(['down', '-v', '--remove-orphans', '--timeout', '20'], timeoutMs);
  }
}

/** Image size in bytes. */
export async function imageSize(name: string): Promise<number> {
  const result = await must('docker', ['image', 'inspect', '--format', '{{.Size}}', name], { timeoutMs: 20_000 });
  return Number(result.stdout.trim());
}
