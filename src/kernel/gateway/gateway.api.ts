import { JwksSchema } from '../auth/jwks.schema.js';
import { defineOperation } from '../http/api-route.js';

/** What a process hosting the gateway serves itself, besides forwarding. */
export const gatewayApi = {
  getServiceJwks: defineOperation({
    operationId: 'getServiceJwks',
    method: 'get',
    path: '/.well-known/service-jwks.json',
    summary: 'Public keys that verify the gateway’s service tokens (split deployments)',
    description: 'Module processes behind the gateway verify its service tokens with these keys. A process hosting every module signs none: 404.',
    tags: ['gateway'],
    access: 'public',
    responses: {
      200: { description: 'JSON Web Key Set', schema: JwksSchema, headers: ['Cache-Control'] },
      404: { description: 'Not a split deployment: no service tokens' },
    },
  }),
};
