import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { isKnownEnvVar as isKnownTo } from '../../src/kernel/config/config.loader.js';
import { ALL_MODULES } from '../../src/runtimes/module.registry.js';
import type { JsonObject as Obj } from '../support/json.js';

/**
 * The deployment files, checked without a cluster or a Docker engine (fast, part of `npm test`):
 *   - each Kubernetes overlay rendered by `kubectl kustomize`, every object validated against the
 *     Kubernetes API schemas (kubernetes-models, generated from the API's OpenAPI spec), then the
 *     rules of this project: probes, resources and the security context on every Deployment,
 *     HPAs, Services, PDBs, NetworkPolicies and the Ingress pointing at things that exist, every
 *     environment variable a mercato container gets known to the config schema;
 *   - deploy/compose/compose.yaml through `docker-compose config`, and the same env-name rule;
 *   - the image names the Dockerfile and the compose file use are the ones `npm run
 *     images:offline` builds stand-ins for.
 * A missing tool (kubectl, docker-compose) skips its part loudly, except under CI=true, where it fails.
 */

const REPO = resolve(import.meta.dirname, '../..');
const OVERLAYS = ['dev', 'prod'] as const;
const MODULES = ['user', 'catalog', 'inventory', 'order', 'payment', 'notification'];
const WORKLOADS = ['gateway', ...MODULES];
const SCALED = ['gateway', 'order', 'payment'];

/** Known to the kernel's configuration or to a module's slice. */
const isKnownEnvVar = (name: string) => isKnownTo(name, ALL_MODULES);

function exec(command: string, args: string[], env: Record<string, string> = {}): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      command,
      args,
      { cwd: REPO, timeout: 60_000, killSignal: 'SIGKILL', maxBuffer: 32 * 1024 * 1024, env: { ...process.env, ...env } },
      (err, stdout, stderr) => done({ ok: !err, stdout, stderr: `${stderr}${err && !stderr ? err.message : ''}` }),
    );
  });
}

async function toolMissing(tool: string, args: string[]): Promise<string | undefined> {
  const result = await exec(tool, args);
  if (result.ok) return undefined;
  const message = `\`${tool}\` is not usable here (${result.stderr.trim().split('\n')[0] || 'not found'})`;
  if (process.env.CI === 'true') throw new Error(`${message}; under CI=true the deployment checks must run`);
  console.warn(`\n${'!'.repeat(100)}\n!!! SKIPPING deployment checks that need ${tool}: ${message}\n${'!'.repeat(100)}\n`);
  return message;
}

const kubectlMissing = await toolMissing('kubectl', ['version', '--client']);
const composeMissing = await toolMissing('docker-compose', ['version', '--short']);

/** `apiVersion` + `kind` -> the kubernetes-models class, whose validate() checks against the API schema. */
async function model(apiVersion: string, kind: string): Promise<(new (data: Obj) => { validate(): void }) | undefined> {
  try {
    const mod = (await import(`kubernetes-models/${apiVersion}`)) as Record<string, unknown>;
    return mod[kind] as (new (data: Obj) => { validate(): void }) | undefined;
  } catch {
    return undefined;
  }
}

const labelsMatch = (selector: Record<string, string> | undefined, labels: Record<string, string> | undefined) =>
  Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);

const workloadsOf = (objects: Obj[]) => objects.filter((o) => ['Deployment', 'StatefulSet'].includes(o.kind));
const mercatoContainers = (deployment: Obj): Obj[] =>
  (deployment.spec.template.spec.containers as Obj[]).filter((c) => /(^|\/)mercato(:|$)/.test(String(c.image)));

describe.skipIf(kubectlMissing !== undefined)('Kubernetes manifests (kubectl kustomize)', () => {
  const rendered = new Map<string, Obj[]>();

  beforeAll(async () => {
    for (const overlay of OVERLAYS) {
      const result = await exec('kubectl', ['kustomize', `deploy/k8s/overlays/${overlay}`]);
      if (!result.ok) throw new Error(`kubectl kustomize deploy/k8s/overlays/${overlay} failed:\n${result.stderr}`);
      rendered.set(
        overlay,
        parseAllDocuments(result.stdout)
          .map((d) => d.toJS() as Obj)
          .filter(Boolean),
      );
    }
  });

  describe.each(OVERLAYS)('overlay %s', (overlay) => {
    const objects = () => rendered.get(overlay)!;
    const find = (kind: string, name: string) => objects().find((o) => o.kind === kind && o.metadata.name === name);

    it('is valid against the Kubernetes API schemas, object by object', async () => {
      const problems: string[] = [];
      for (const object of objects()) {
        const Model = await model(object.apiVersion, object.kind);
        if (!Model) {
          problems.push(`${object.apiVersion} ${object.kind} ${object.metadata?.name}: not a known Kubernetes API type`);
          continue;
        }
        // kustomize folds long base64 values over lines; the API server's decoder skips the newlines.
        if (object.kind === 'Secret' && object.data) {
          object.data = Object.fromEntries(Object.entries(object.data as Record<string, string>).map(([k, v]) => [k, v.replace(/\s+/g, '')]));
        }
        try {
          new Model(object).validate();
        } catch (err) {
          problems.push(`${object.kind} ${object.metadata?.name}: ${(err as Error).message}`);
        }
      }
      expect(problems).toEqual([]);
      expect(objects().length).toBeGreaterThan(30);
    });

    it('puts everything in the mercato namespace', () => {
      const namespaced = objects().filter((o) => o.kind !== 'Namespace');
      expect(namespaced.filter((o) => o.metadata.namespace !== 'mercato').map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([]);
      expect(find('Namespace', 'mercato')).toBeDefined();
    });

    it('has a Deployment for the gateway and each module, each choosing its MODULES', () => {
      for (const name of WORKLOADS) {
        const deployment = find('Deployment', `mercato-${name}`);
        expect(deployment, `Deployment mercato-${name}`).toBeDefined();
        const [container] = mercatoContainers(deployment!);
        expect(container?.env?.find((e: Obj) => e.name === 'MODULES')?.value).toBe(name);
      }
    });

    it('gives every Deployment probes, resources and a locked-down security context', () => {
      const problems: string[] = [];
      for (const deployment of objects().filter((o) => o.kind === 'Deployment')) {
        const pod = deployment.spec.template.spec;
        const name = deployment.metadata.name;
        const podNonRoot = pod.securityContext?.runAsNonRoot === true;
        for (const c of pod.containers as Obj[]) {
          const where = `${name}/${c.name}`;
          for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) if (!c[probe]) problems.push(`${where}: no ${probe}`);
          for (const kind of ['requests', 'limits'])
            for (const r of ['cpu', 'memory']) if (!c.resources?.[kind]?.[r]) problems.push(`${where}: no resources.${kind}.${r}`);
          const sc = c.securityContext ?? {};
          if (!(podNonRoot || sc.runAsNonRoot === true)) problems.push(`${where}: not runAsNonRoot`);
          if (sc.readOnlyRootFilesystem !== true) problems.push(`${where}: root filesystem not read-only`);
          if (sc.allowPrivilegeEscalation !== false) problems.push(`${where}: privilege escalation allowed`);
          if (!(sc.capabilities?.drop ?? []).includes('ALL')) problems.push(`${where}: capabilities not all dropped`);
        }
        for (const c of mercatoContainers(deployment)) {
          const where = `${name}/${c.name}`;
          if (c.readinessProbe?.httpGet?.path !== '/health/ready') problems.push(`${where}: readiness is not /health/ready`);
          if (c.livenessProbe?.httpGet?.path !== '/health/live') problems.push(`${where}: liveness is not /health/live`);
          if (!String(c.startupProbe?.httpGet?.path ?? '').startsWith('/health/')) problems.push(`${where}: startup probe is not on /health/*`);
          if (!c.lifecycle?.preStop) problems.push(`${where}: no preStop delay`);
          // The process needs a writable /tmp and DATA_DIR under a read-only root.
          const mounts = (c.volumeMounts ?? []).map((m: Obj) => m.mountPath);
          if (!mounts.includes('/tmp') || !mounts.includes('/var/lib/mercato')) problems.push(`${where}: /tmp and /var/lib/mercato must be mounted`);
        }
      }
      expect(problems).toEqual([]);
    });

    it('scales gateway, order and payment with autoscaling/v2 HPAs that target existing Deployments', () => {
      const hpas = objects().filter((o) => o.kind === 'HorizontalPodAutoscaler');
      expect(hpas.map((h) => h.apiVersion)).toEqual(hpas.map(() => 'autoscaling/v2'));
      expect(hpas.map((h) => h.spec.scaleTargetRef.name).sort()).toEqual(SCALED.map((s) => `mercato-${s}`).sort());
      for (const hpa of hpas) {
        const target = find(hpa.spec.scaleTargetRef.kind, hpa.spec.scaleTargetRef.name);
        expect(target, `${hpa.metadata.name} targets ${hpa.spec.scaleTargetRef.kind}/${hpa.spec.scaleTargetRef.name}`).toBeDefined();
        expect(hpa.spec.scaleTargetRef.apiVersion).toBe(target!.apiVersion);
        expect(hpa.spec.minReplicas).toBeLessThanOrEqual(hpa.spec.maxReplicas);
      }
    });

    it('has Services that select pods and name ports that exist (headless for the modules the gateway expands)', () => {
      const problems: string[] = [];
      for (const service of objects().filter((o) => o.kind === 'Service')) {
        const pods = workloadsOf(objects()).filter((w) => labelsMatch(service.spec.selector, w.spec.template.metadata.labels));
        if (pods.length === 0) problems.push(`Service ${service.metadata.name} selects no pods`);
        for (const port of service.spec.ports as Obj[]) {
          const named = pods.some((w) =>
            (w.spec.template.spec.containers as Obj[]).some((c) =>
              (c.ports ?? []).some((p: Obj) => p.name === port.targetPort || p.containerPort === port.targetPort),
            ),
          );
          if (!named) problems.push(`Service ${service.metadata.name}: targetPort ${port.targetPort} is no container port`);
        }
      }
      expect(problems).toEqual([]);
      for (const m of MODULES) expect(find('Service', `mercato-${m}`)?.spec.clusterIP, `mercato-${m} is headless`).toBe('None');
      // The gateway reaches each module by the headless name.
      const config = objects().find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('mercato-config'))!;
      for (const m of MODULES) expect(config.data[`SERVICE_URLS_${m.toUpperCase()}`]).toBe(`http://mercato-${m}:3000`);
    });

    it('has a PodDisruptionBudget for every workload, and NetworkPolicies and an Ingress that point at things that exist', () => {
      const pdbs = objects().filter((o) => o.kind === 'PodDisruptionBudget');
      for (const name of WORKLOADS) {
        const deployment = find('Deployment', `mercato-${name}`)!;
        expect(
          pdbs.some((p) => labelsMatch(p.spec.selector.matchLabels, deployment.spec.template.metadata.labels)),
          `a PDB for mercato-${name}`,
        ).toBe(true);
      }
      const pods = workloadsOf(objects()).map((w) => w.spec.template.metadata.labels as Record<string, string>);
      for (const policy of objects().filter((o) => o.kind === 'NetworkPolicy')) {
        const selector = policy.spec.podSelector.matchLabels;
        if (selector)
          expect(
            pods.some((labels) => labelsMatch(selector, labels)),
            `NetworkPolicy ${policy.metadata.name} selects pods`,
          ).toBe(true);
      }
      const names = objects()
        .filter((o) => o.kind === 'NetworkPolicy')
        .map((p) => p.metadata.name);
      expect(names).toEqual(
        expect.arrayContaining(['default-deny', 'allow-dns', 'modules-ingress-from-gateway', 'modules-egress', 'gateway-ingress', 'gateway-egress']),
      );
      // Module pods: ingress only from the gateway.
      const ingress = find('NetworkPolicy', 'modules-ingress-from-gateway')!;
      expect(ingress.spec.ingress.flatMap((r: Obj) => r.from)).toEqual([
        { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'mercato', 'app.kubernetes.io/component': 'gateway' } } },
      ]);
      for (const rule of find('NetworkPolicy', 'modules-egress')!.spec.egress as Obj[]) expect(rule.ports.map((p: Obj) => p.port)).not.toContain(undefined);
      const ing = objects().find((o) => o.kind === 'Ingress')!;
      for (const path of ing.spec.rules.flatMap((r: Obj) => r.http.paths)) {
        const service = find('Service', path.backend.service.name);
        expect(service, `Ingress backend ${path.backend.service.name}`).toBeDefined();
        expect(service!.spec.ports.map((p: Obj) => p.name)).toContain(path.backend.service.port.name);
      }
    });

    it('sets only environment variables the config schema knows, from a ConfigMap and a Secret that exist', () => {
      const problems: string[] = [];
      for (const deployment of objects().filter((o) => o.kind === 'Deployment')) {
        for (const c of mercatoContainers(deployment)) {
          const where = `${deployment.metadata.name}/${c.name}`;
          for (const e of (c.env ?? []) as Obj[]) {
            if (!isKnownEnvVar(e.name)) problems.push(`${where}: env ${e.name} is unknown to the config schema`);
            const ref = e.valueFrom?.secretKeyRef ?? e.valueFrom?.configMapKeyRef;
            if (ref) {
              const kind = e.valueFrom.secretKeyRef ? 'Secret' : 'ConfigMap';
              const source = find(kind, ref.name);
              if (!source) problems.push(`${where}: env ${e.name} refers to missing ${kind} ${ref.name}`);
              else if (!(ref.key in (source.data ?? {}))) problems.push(`${where}: env ${e.name} refers to missing key ${ref.key} of ${kind} ${ref.name}`);
            }
          }
          for (const from of (c.envFrom ?? []) as Obj[]) {
            const kind = from.configMapRef ? 'ConfigMap' : 'Secret';
            const source = find(kind, (from.configMapRef ?? from.secretRef).name);
            if (!source) {
              problems.push(`${where}: envFrom refers to missing ${kind}`);
              continue;
            }
            for (const key of Object.keys(source.data ?? {}))
              if (!isKnownEnvVar(key)) problems.push(`${where}: ${kind} ${source.metadata.name} sets ${key}, unknown to the config schema`);
          }
        }
      }
      expect(problems).toEqual([]);
    });
  });
});

describe.skipIf(composeMissing !== undefined)('deploy/compose/compose.yaml (docker-compose config)', () => {
  let dir: string;
  let config: Obj;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mercato-compose-config-'));
    const envFile = join(dir, 'compose.env');
    const written = await exec('node', ['scripts/compose-env.mjs', '--out', envFile]);
    if (!written.ok) throw new Error(written.stderr);
    const result = await exec('docker-compose', ['-p', 'mercato-config-check', '--env-file', envFile, '-f', 'deploy/compose/compose.yaml', 'config'], {
      MERCATO_HTTP_PORT: '18080',
    });
    if (!result.ok) throw new Error(`docker-compose config failed:\n${result.stderr}`);
    config = parseYaml(result.stdout) as Obj;
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('has Kafka, PostgreSQL, Redis, the gateway and one service per module, each with its MODULES', () => {
    const always = Object.entries(config.services as Record<string, Obj>).filter(([, s]) => !s.profiles);
    expect(always.map(([name]) => name).sort()).toEqual([
      'catalog',
      'gateway',
      'inventory',
      'kafka',
      'notification',
      'order',
      'payment',
      'postgres',
      'redis',
      'user',
    ]);
    // Only with `--profile observability`: a collector, a trace viewer and Prometheus.
    const optional = Object.entries(config.services as Record<string, Obj>).filter(([, s]) => s.profiles);
    expect(Object.fromEntries(optional.map(([name, s]) => [name, s.profiles]))).toEqual({
      jaeger: ['observability'],
      'otel-collector': ['observability'],
      prometheus: ['observability'],
    });
    for (const name of WORKLOADS) {
      const service = config.services[name];
      expect(service.environment.MODULES, name).toBe(name);
      expect(service.environment.NODE_ENV).toBe('production');
      expect(service.healthcheck?.test, `${name} healthcheck`).toBeDefined();
      expect(service.read_only).toBe(true);
      expect(service.cap_drop).toEqual(['ALL']);
    }
    for (const name of MODULES) {
      expect(service(name).depends_on).toEqual({ kafka: { condition: 'service_healthy' }, postgres: { condition: 'service_healthy' } });
    }
    for (const infra of ['kafka', 'postgres', 'redis']) expect(config.services[infra].healthcheck?.test, `${infra} healthcheck`).toBeDefined();
  });

  function service(name: string): Obj {
    return config.services[name];
  }

  it('publishes only the gateway (and the optional observability UIs), only on 127.0.0.1', () => {
    const published = Object.entries(config.services as Record<string, Obj>).filter(([, s]) => (s.ports ?? []).length > 0);
    expect(published.filter(([, s]) => !s.profiles).map(([name]) => name)).toEqual(['gateway']);
    for (const [name, s] of published) {
      for (const p of s.ports as (string | Obj)[]) expect(typeof p === 'string' ? p : p.host_ip, name).toMatch(/^127\.0\.0\.1/);
    }
    // docker-compose 1.29 prints the short form, later versions the long one.
    const ports = (service('gateway').ports as (string | Obj)[]).map((p) =>
      typeof p === 'string' ? p : `${p.host_ip}:${p.published}:${p.target}/${p.protocol ?? 'tcp'}`,
    );
    expect(ports).toEqual(['127.0.0.1:18080:3000/tcp']);
  });

  it('sets only environment variables the config schema knows on the mercato services', () => {
    const unknown = WORKLOADS.flatMap((name) =>
      Object.keys(service(name).environment)
        .filter((key) => !isKnownEnvVar(key))
        .map((key) => `${name}: ${key}`),
    );
    expect(unknown).toEqual([]);
  });
});

describe('images the deployment files use', () => {
  it('are the ones `npm run images:offline` builds stand-ins for', async () => {
    const script = await readFile(join(REPO, 'scripts/images-offline.sh'), 'utf8');
    const dockerfile = await readFile(join(REPO, 'deploy/docker/Dockerfile'), 'utf8');
    const compose = await readFile(join(REPO, 'deploy/compose/compose.yaml'), 'utf8');
    const value = (name: string) => new RegExp(`^${name}="?([^"\\s]+)"?`, 'm').exec(script)?.[1];
    const kafkaVersion = /^KAFKA_VERSION="\$\{KAFKA_VERSION:-([^}]+)\}"/m.exec(script)?.[1];
    expect(`node:${value('NODE_MAJOR')}-bookworm-slim`).toBe(/^ARG NODE_IMAGE=(\S+)/m.exec(dockerfile)?.[1]);
    const images = [...compose.matchAll(/^\s+image: (\S+)/gm)].map((m) => m[1]);
    expect(images).toEqual(expect.arrayContaining([`apache/kafka:\${KAFKA_VERSION:-${kafkaVersion}}`, value('POSTGRES_IMAGE'), value('REDIS_IMAGE')]));
    // Kafka: the same default version for the local broker (pom.xml), compose and the stand-in.
    const pom = await readFile(join(REPO, 'deploy/kafka/pom.xml'), 'utf8');
    expect(/<kafka\.version>(\d[^<]*)</.exec(pom)?.[1]).toBe(kafkaVersion);
  });
});
