/**
 * What the split's Kafka traffic costs with nothing of Mercato around it: raw kafkajs clients in
 * four processes laid out as the split's (users: notification; catalog: inventory; orders × 2:
 * order and payment) pass the saga's four messages per order along the same topics and consumer
 * groups, at a fixed rate of orders:
 *
 *   order.placed (orders) → inventory → stock.reserved → payment → payment.captured → order
 *   → order.confirmed → notification
 *
 * Every group receives what its topics carry, as in the split: inventory gets order.placed,
 * payment.captured (it sells the reserved stock) and order.confirmed, notification order.placed
 * and order.confirmed, order stock.reserved and payment.captured, payment stock.reserved: 8
 * deliveries per order, 3 of them to a group with no handler for them. The clients use the
 * transport's settings (idempotent producer, acks=all, one request in flight, each carrying every
 * message queued meanwhile as the relay's does; eachBatch consumers that hand a batch on without
 * waiting, offsets committed by a timer at most every 100 ms, 1 s long-polls; kafkajs's idle-loop
 * fix). No
 * database, no HTTP, no envelope, no validation, no log line: what each process spends here is
 * what the Kafka client alone costs for this traffic at this rate (how many messages share a
 * request depends on the rate and on how long handlers take, so it is printed).
 *
 *   npx tsx bench/kafka-floor.bench.ts                        # 50 orders/s for 30 s
 *   npx tsx bench/kafka-floor.bench.ts --rate 50 --duration-s 30 --warmup-s 10 --brokers 127.0.0.1:9092
 *   npx tsx bench/kafka-floor.bench.ts --topics type          # one topic per event type: no delivery without a handler
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { type Consumer, Kafka, logLevel, type Message } from 'kafkajs';
import { patchKafkajsIdleLoop } from '../src/kernel/events/kafkajs-idle.patch.js';
import { kafkaBrokerPid, procCpuMs } from './bench.kit.js';

const SELF = fileURLToPath(import.meta.url);
const PAD = 'x'.repeat(300);

type Role = 'users' | 'catalog' | 'orders';
interface Group {
  group: string;
  /** The publishing modules whose topics the group reads (Mercato's layout). */
  topics: string[];
  /** The event types its module has handlers for (what it would read with a topic per type). */
  handles: string[];
  /** What it publishes in answer to a type, as the saga's handlers do. */
  reply: Record<string, string>;
}
const LAYOUT: Record<Role, Group[]> = {
  users: [{ group: 'notification', topics: ['user', 'order'], handles: ['user.registered', 'order.confirmed', 'order.cancelled'], reply: {} }],
  catalog: [
    {
      group: 'inventory',
      topics: ['catalog', 'order', 'payment'],
      handles: ['product.created', 'order.placed', 'payment.captured', 'order.cancelled'],
      reply: { 'order.placed': 'stock.reserved' },
    },
  ],
  orders: [
    { group: 'payment', topics: ['inventory'], handles: ['stock.reserved'], reply: { 'stock.reserved': 'payment.captured' } },
    {
      group: 'order',
      topics: ['catalog', 'inventory', 'payment'],
      handles: ['product.created', 'product.updated', 'stock.rejected', 'payment.captured', 'payment.declined'],
      reply: { 'payment.captured': 'order.confirmed' },
    },
  ],
};
/** `module`: one topic per publishing module (Mercato's); `type`: one per event type. */
type TopicLayout = 'module' | 'type';
const MODULE_TOPICS = ['user', 'catalog', 'order', 'inventory', 'payment'];
const TYPE_TOPICS = [...new Set(Object.values(LAYOUT).flatMap((groups) => groups.flatMap((g) => [...g.handles, ...Object.values(g.reply)])))];
/** The module that publishes a type (the topic it goes to in Mercato's layout). */
const PUBLISHER: Record<string, string> = { user: 'user', product: 'catalog', order: 'order', stock: 'inventory', payment: 'payment' };
const topicOf = (layout: TopicLayout, type: string): string => (layout === 'module' ? PUBLISHER[type.split('.')[0]!]! : type);
const PROCESSES: Role[] = ['users', 'catalog', 'orders', 'orders'];

const cpuMs = (pid: number): number => procCpuMs(pid) ?? 0;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

function bounded(name: string, fallback: number, min: number, max: number): number {
  const value = Number(arg(name, String(fallback)));
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`--${name} must be an integer from ${min} to ${max}`);
  return value;
}

/** A child: its groups consume and reply; one orders process also places the orders. */
async function child(role: Role, prefix: string, layout: TopicLayout, brokers: string[]): Promise<void> {
  // As in Mercato's processes: without it every connection spins in a 1 ms timer loop.
  patchKafkajsIdleLoop();
  const kafka = new Kafka({ clientId: `floor-${role}`, brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const counts = { delivered: 0, produced: 0, requests: 0, fetches: 0, commits: 0 };
  // As Mercato's relay: one produce request in flight, each carrying everything queued meanwhile.
  let queued: { type: string; key: string }[] = [];
  let draining = false;
  const drain = async (): Promise<void> => {
    await Promise.resolve();
    while (queued.length > 0) {
      const batch = queued;
      queued = [];
      const byTopic = new Map<string, Message[]>();
      for (const { type, key } of batch) {
        const topic = `${prefix}.${topicOf(layout, type)}`;
        byTopic.set(topic, [...(byTopic.get(topic) ?? []), { key, value: PAD, headers: { ce_type: type } }]);
      }
      try {
        await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
      } catch (err) {
        // The run's counts then show the missing messages; the client goes on.
        console.error(`floor ${role}: produce failed: ${(err as Error).message}`);
        continue;
      }
      counts.requests++;
      counts.produced += batch.length;
    }
    draining = false;
  };
  const produce = (type: string, key: string): void => {
    queued.push({ type, key });
    if (!draining) {
      draining = true;
      void drain();
    }
  };
  const consumers: Consumer[] = [];
  const timers: NodeJS.Timeout[] = [];
  for (const { group, topics, handles, reply } of LAYOUT[role]) {
    const consumer = kafka.consumer({ groupId: `${prefix}.${group}`, maxWaitTimeInMs: 1000, sessionTimeout: 15_000, heartbeatInterval: 3000 });
    consumer.on(consumer.events.FETCH, () => counts.fetches++);
    await consumer.connect();
    const read = layout === 'module' ? topics : handles;
    await consumer.subscribe({ topics: read.map((t) => `${prefix}.${t}`), fromBeginning: true });
    // As Mercato's consumer: offsets committed by a timer, at most every 100 ms (kafkajs's autoCommit
    // would commit after every batch: ~8 commits per order at this rate instead of ~1).
    const done = new Map<string, { topic: string; partition: number; offset: string }>();
    timers.push(
      setInterval(() => {
        if (done.size === 0) return;
        const offsets = [...done.values()];
        done.clear();
        counts.commits++;
        consumer.commitOffsets(offsets).catch(() => undefined);
      }, 100),
    );
    await consumer.run({
      autoCommit: false,
      // As Mercato's consumer, which hands a batch to its own pipeline: replies of batches at hand go out together.
      eachBatch: async ({ batch }) => {
        counts.delivered += batch.messages.length;
        for (const message of batch.messages) {
          const next = reply[String(message.headers?.ce_type)];
          if (next) produce(next, String(message.key));
        }
        const last = batch.messages.at(-1);
        if (last) done.set(`${batch.topic}:${batch.partition}`, { topic: batch.topic, partition: batch.partition, offset: String(Number(last.offset) + 1) });
      },
    });
    consumers.push(consumer);
  }
  process.on('message', async (msg: { place?: string; count?: boolean; stop?: boolean }) => {
    if (msg.place) produce('order.placed', msg.place);
    if (msg.count) process.send!({ ...counts });
    if (msg.stop) {
      for (const t of timers) clearInterval(t);
      await Promise.all(consumers.map((c) => c.disconnect()));
      await producer.disconnect();
      process.exit(0);
    }
  });
  // A parent that dies (or is killed) takes its clients with it.
  process.on('disconnect', () => process.exit(0));
  process.send!({ ready: true });
}

type Counts = { delivered: number; produced: number; requests: number; fetches: number; commits: number };

/** The child's next message, or a failure if it exits or stays silent for 30 s. */
function reply<T>(c: ChildProcess, request?: object): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('a floor client did not answer within 30 s')), 30_000);
    const exited = (code: number | null) => reject(new Error(`a floor client exited (${code})`));
    c.once('exit', exited);
    c.once('message', (m) => {
      clearTimeout(timer);
      c.off('exit', exited);
      resolve(m as T);
    });
    if (request) c.send(request);
  });
}

const ask = (c: ChildProcess): Promise<Counts> => reply<Counts>(c, { count: true });

export interface KafkaFloorOptions {
  brokers: string[];
  /** Orders per second. */
  rate: number;
  /** Timed seconds, after `warmUpSeconds` untimed. */
  seconds: number;
  warmUpSeconds: number;
  layout: TopicLayout;
}

export interface KafkaFloorResult {
  orders: number;
  producedPerOrder: number;
  produceRequestsPerOrder: number;
  fetchesPerOrder: number;
  commitsPerOrder: number;
  deliveriesPerOrder: number;
  /** CPU ms per order of each client process, in the order of `processes`. */
  perProcess: number[];
  processes: string[];
  clientsPerOrder: number;
  brokerPerOrder?: number;
}

/** Runs the four client processes, places the orders and reads their CPU; removes its topics. */
export async function runKafkaFloor(options: KafkaFloorOptions): Promise<KafkaFloorResult> {
  const { brokers, rate, layout } = options;
  const prefix = `floor_${randomBytes(4).toString('hex')}`;
  const admin = new Kafka({ clientId: 'floor-admin', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const topics = (layout === 'module' ? MODULE_TOPICS : TYPE_TOPICS).map((t) => `${prefix}.${t}`);
  const children: ChildProcess[] = [];
  try {
    await admin.createTopics({ waitForLeaders: true, topics: topics.map((topic) => ({ topic, numPartitions: 3, replicationFactor: -1 })) });
    for (const role of PROCESSES) {
      const c = fork(SELF, ['--child', role, '--prefix', prefix, '--topics', layout, '--brokers', brokers.join(',')], { execArgv: ['--import', 'tsx'] });
      c.on('error', (err) => console.error(`floor: ${err.message}`));
      children.push(c);
      await reply(c);
    }
    // Let the groups settle (every replica joined and assigned) before anything is timed.
    await new Promise((r) => setTimeout(r, 8000));
    const placer = children[2]!;
    const place = async (count: number): Promise<void> => {
      const start = Date.now();
      for (let i = 0; i < count; i++) {
        const due = start + (i * 1000) / rate;
        if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
        placer.send({ place: randomBytes(8).toString('hex') });
      }
      // Let the last sagas finish (a few ms each) and one more commit interval pass.
      await new Promise((r) => setTimeout(r, 2000));
    };
    // Untimed, as the split bench's warm-up: the JIT compiles kafkajs's hot paths first.
    await place(rate * options.warmUpSeconds);
    const broker = kafkaBrokerPid(Number(brokers[0]!.split(':')[1] ?? 9092));
    const countsBefore = await Promise.all(children.map(ask));
    const before = children.map((c) => cpuMs(c.pid!));
    const brokerBefore = broker ? cpuMs(broker) : 0;
    const orders = rate * options.seconds;
    await place(orders);
    const used = children.map((c, i) => cpuMs(c.pid!) - before[i]!);
    const brokerUsed = broker ? cpuMs(broker) - brokerBefore : undefined;
    const countsAfter = await Promise.all(children.map(ask));
    const sum = (key: keyof Counts): number => countsAfter.reduce((a, c, i) => a + c[key] - countsBefore[i]![key], 0);
    return {
      orders,
      producedPerOrder: sum('produced') / orders,
      produceRequestsPerOrder: sum('requests') / orders,
      fetchesPerOrder: sum('fetches') / orders,
      commitsPerOrder: sum('commits') / orders,
      deliveriesPerOrder: sum('delivered') / orders,
      perProcess: used.map((ms) => ms / orders),
      processes: PROCESSES.map((role, i) => `${role}-${i}`),
      clientsPerOrder: used.reduce((a, b) => a + b, 0) / orders,
      brokerPerOrder: brokerUsed === undefined ? undefined : brokerUsed / orders,
    };
  } finally {
    for (const c of children) if (c.connected) c.send({ stop: true }, () => undefined);
    await new Promise((r) => setTimeout(r, 3000));
    for (const c of children) c.kill('SIGKILL');
    await admin.deleteTopics({ topics }).catch((err: Error) => console.error(`floor: topics not deleted: ${err.message}`));
    const groups = [...new Set(Object.values(LAYOUT).flatMap((gs) => gs.map((g) => `${prefix}.${g.group}`)))];
    await admin.deleteGroups(groups).catch((err: Error) => console.error(`floor: consumer groups not deleted: ${err.message}`));
    await admin.disconnect();
  }
}

/** The result as the benches print it. */
export function floorLines(result: KafkaFloorResult, options: KafkaFloorOptions): string[] {
  return [
    `raw kafkajs, the split's Kafka traffic, a topic per ${options.layout}: ${result.orders} orders at ${options.rate}/s`,
    `  per order: ${result.producedPerOrder.toFixed(2)} messages produced in ${result.produceRequestsPerOrder.toFixed(2)} requests, ${result.deliveriesPerOrder.toFixed(2)} deliveries, ${result.fetchesPerOrder.toFixed(2)} fetches, ${result.commitsPerOrder.toFixed(2)} offset commits`,
    '  process                 ms CPU per order',
    ...result.processes.map((name, i) => `  ${name.padEnd(22)}  ${result.perProcess[i]!.toFixed(2)}`),
    `  ${'clients total'.padEnd(22)}  ${result.clientsPerOrder.toFixed(2)}`,
    ...(result.brokerPerOrder === undefined ? [] : [`  ${'kafka broker'.padEnd(22)}  ${result.brokerPerOrder.toFixed(2)}`]),
  ];
}

if (process.argv.includes('--child')) {
  await child(arg('child', 'users') as Role, arg('prefix', ''), arg('topics', 'module') as TopicLayout, arg('brokers', '127.0.0.1:9092').split(','));
} else if (process.argv[1] && SELF === process.argv[1]) {
  const options: KafkaFloorOptions = {
    brokers: arg('brokers', '127.0.0.1:9092').split(','),
    rate: bounded('rate', 50, 1, 500),
    seconds: bounded('duration-s', 30, 1, 300),
    warmUpSeconds: bounded('warmup-s', 10, 0, 120),
    layout: arg('topics', 'module') === 'type' ? 'type' : 'module',
  };
  const result = await runKafkaFloor(options);
  for (const line of floorLines(result, options)) console.log(line);
  console.log(
    `load average after: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
}
