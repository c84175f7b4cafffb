import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync, rmSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { httpClient } from '../support/http-client.js';
import { startTestSystem, type TestSystem } from '../support/test-system.js';

/**
 * deploy/observability: Prometheus configuration, alerting rules with their unit tests (promtool),
 * and the Grafana dashboard, whose metric names must all be ones the application exports. A
 * missing promtool skips its part loudly, except under CI=true, where it fails.
 */
const REPO = resolve(import.meta.dirname, '../..');
const DIR = join(REPO, 'deploy/observability');

function promtool(args: string[], cwd = DIR): Promise<{ ok: boolean; output: string }> {
  return new Promise((done) => {
    execFile('promtool', args, { cwd, timeout: 60_000, killSignal: 'SIGKILL' }, (err, stdout, stderr) =>
      done({ ok: !err, output: `${stdout}${stderr}${err && !stderr ? err.message : ''}` }),
    );
  });
}

const promtoolMissing = await (async () => {
  const result = await promtool(['--version']);
  if (result.ok) return undefined;
  const message = `\`promtool\` is not usable here (${result.output.trim().split('\n')[0] || 'not found'}; Debian package \`prometheus\`)`;
  if (process.env.CI === 'true') throw new Error(`${message}; under CI=true the observability checks must run`);
  console.warn(`\n${'!'.repeat(100)}\n!!! SKIPPING promtool checks: ${message}\n${'!'.repeat(100)}\n`);
  return message;
})();

describe.skipIf(promtoolMissing !== undefined)('deploy/observability with promtool', () => {
  it('the compose scrape configuration is valid, with its rule file', async () => {
    const result = await promtool(['check', 'config', 'prometheus.yml']);
    expect(result.output).toContain('SUCCESS');
    expect(result.ok, result.output).toBe(true);
  });

  it('the Kubernetes scrape configuration is valid and discovers the pods of namespace mercato', async () => {
    const config = parse(readFileSync(join(DIR, 'prometheus.k8s.yml'), 'utf8')) as { scrape_configs: Record<string, unknown>[] };
    const [job] = config.scrape_configs;
    expect(job!['kubernetes_sd_configs']).toEqual([{ role: 'pod', namespaces: { names: ['mercato'] } }]);
    let result = await promtool(['check', 'config', 'prometheus.k8s.yml']);
    // Debian's promtool is built without Kubernetes discovery: everything else is checked with a
    // static target in its place (the discovery block itself was checked above).
    if (!result.ok && /kubernetes_sd_configs not found/.test(result.output)) {
      const dir = mkdtempSync(join(tmpdir(), 'mercato-prom-'));
      try {
        const { kubernetes_sd_configs: _sd, ...rest } = job!;
        writeFileSync(
          join(dir, 'prometheus.yml'),
          JSON.stringify({ ...config, scrape_configs: [{ ...rest, static_configs: [{ targets: ['mercato-gateway:3000'] }] }] }),
        );
        copyFileSync(join(DIR, 'alerts.rules.yml'), join(dir, 'alerts.rules.yml'));
        result = await promtool(['check', 'config', 'prometheus.yml'], dir);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    expect(result.ok, result.output).toBe(true);
  });

  it('the alerting rules are valid', async () => {
    const result = await promtool(['check', 'rules', 'alerts.rules.yml']);
    expect(result.ok, result.output).toBe(true);
  });

  it('each alert fires on its failure and only then (promtool test rules)', async () => {
    const result = await promtool(['test', 'rules', 'alerts.test.yml']);
    expect(result.ok, result.output).toBe(true);
    expect(result.output).toContain('SUCCESS');
  });
});

const PROMQL_WORDS = new Set([
  'sum',
  'min',
  'max',
  'avg',
  'count',
  'rate',
  'irate',
  'increase',
  'histogram_quantile',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'topk',
  'bottomk',
  'abs',
  'clamp_min',
  'clamp_max',
]);

/** The metric names a PromQL expression reads (label matchers, grouping labels, strings and ranges left out). */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, '');
  return (bare.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? []).filter((t) => !PROMQL_WORDS.has(t) && !/^\d/.test(t));
}

/** Every expression of the rules and the dashboard. */
function usedExpressions(): string[] {
  const rules = parse(readFileSync(join(DIR, 'alerts.rules.yml'), 'utf8')) as { groups: { rules: { expr: string }[] }[] };
  const dashboard = JSON.parse(readFileSync(join(DIR, 'grafana/mercato.dashboard.json'), 'utf8')) as { panels: { targets: { expr: string }[] }[] };
  return [...rules.groups.flatMap((g) => g.rules.map((r) => r.expr)), ...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr))];
}

describe('metric names in deploy/observability', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem();
  });
  afterAll(() => sys?.stop());

  it('are all exported by a running system (checked against its /metrics)', async () => {
    const http = httpClient(sys.url, { contract: false });
    expect((await http.get('/api/v1/products')).status).toBe(200);
    const scrape = (await http.get<string>('/metrics')).body;
    const types = new Map([...scrape.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
    const exported = (name: string) => {
      if (types.has(name)) return true;
      const histogram = /^(.+)_(bucket|count|sum)$/.exec(name);
      return !!histogram && types.get(histogram[1]!) === 'histogram';
    };
    const used = [...new Set(usedExpressions().flatMap(metricNames))];
    expect(used.length).toBeGreaterThan(10);
    expect(used.filter((name) => !exported(name))).toEqual([]);
  });
});
