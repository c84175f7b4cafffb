import { z } from 'zod';
import { defineOperation, implement, type ApiRoute } from '../http/api-route.js';
import type { DeadLetterService } from './dead-letter.service.js';

const DeadLetterView = z
  .object({
    id: z.string(),
    eventId: z.string(),
    type: z.string(),
    subject: z.string(),
    reason: z.string(),
    attempts: z.number().int(),
    status: z.enum(['pending', 'replayed']),
    failedAt: z.string(),
    replayedAt: z.string().nullable(),
    envelope: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'DeadLetter' });

function view(letter: Awaited<ReturnType<DeadLetterService['list']>>[number]): z.infer<typeof DeadLetterView> {
  return {
    id: letter.id,
    eventId: letter.eventId,
    type: letter.type,
    subject: letter.subject,
    reason: letter.reason,
    attempts: letter.attempts,
    status: letter.status,
    failedAt: letter.failedAt.toISOString(),
    replayedAt: letter.replayedAt ? letter.replayedAt.toISOString() : null,
    envelope: letter.envelope as unknown as Record<string, unknown>,
  };
}

/** The admin operations on one module's dead letters; the path names the module. */
export function deadLetterApi(module: string) {
  const base = `/api/v1/admin/${module}/dead-letters`;
  const name = module.charAt(0).toUpperCase() + module.slice(1);
  return {
    list: defineOperation({
      operationId: `list${name}DeadLetters`,
      method: 'get',
      path: base,
      summary: `List the ${module} module's dead letters`,
      tags: ['admin'],
      access: 'admin',
      request: { query: z.object({ status: z.enum(['pending', 'replayed']).optional() }) },
      responses: {
        200: { description: 'Dead letters', schema: z.object({ items: z.array(DeadLetterView) }) },
        401: { description: 'No token' },
        403: { description: 'Not admin' },
      },
    }),
    replay: defineOperation({
      operationId: `replay${name}DeadLetter`,
      method: 'post',
      path: `${base}/:id/replay`,
      summary: `Replay one of the ${module} module's dead letters`,
      tags: ['admin'],
      access: 'admin',
      request: { params: z.object({ id: z.uuid() }) },
      responses: {
        200: { description: 'Replayed', schema: DeadLetterView },
        404: { description: 'Unknown dead letter' },
        409: { description: 'Already replayed, or failed again' },
      },
    }),
  };
}

/** Admin routes to inspect and replay one module's dead letters. */
export function deadLetterRoutes(module: string, service: DeadLetterService): ApiRoute[] {
  return implement(deadLetterApi(module), {
    list: async ({ query }) => ({ body: { items: (await service.list(query.status)).map(view) } }),
    replay: async ({ params }) => ({ body: view(await service.replay(params.id)) }),
  });
}
