import { z } from 'zod';
import type { IssuedToken } from './issue-token.command.js';

export const TokenView = z
  .object({
    access_token: z.string(),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int(),
    refresh_token: z.string(),
  })
  .meta({ id: 'TokenResponse' });
export type TokenView = z.infer<typeof TokenView>;

/** RFC 6749 §5.1: the token response, in OAuth's own field names. */
export function toTokenView(issued: IssuedToken): TokenView {
  return { access_token: issued.accessToken, token_type: 'Bearer', expires_in: issued.expiresIn, refresh_token: issued.refreshToken };
}
