/**
 * Baseline for the order-throughput bench: the cheapest possible koa endpoint, so that Mercato's
 * figures can be read against what koa + Node + the loopback interface cost on this machine.
 * Started as a child process (like Mercato) so that client and server do not share an event loop.
 */
import Koa from 'koa';

const app = new Koa();
app.use((ctx) => {
  ctx.body = { ok: true };
});

const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1');

const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
