import type { DependencyContainer } from 'tsyringe';
import { z } from 'zod';
import type { SigningKeySet } from '../../../kernel/auth/signing-keys.js';
import { defineRoute, type ApiRoute } from '../../../kernel/http/api-route.js';
import { TOKENS } from '../../../kernel/tokens.js';
import { CurrentUserQuery } from '../application/current-user.query.js';
import { IssueTokenHandler } from '../application/issue-token.handler.js';
import { RegisterUserHandler } from '../application/register-user.handler.js';
import { toUserView, UserView } from '../application/user.view.js';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../domain/user.js';

const Email = z.email().max(254);
const RegisterBody = z.strictObject({
  email: Email,
  password: z.string().min(PASSWORD_MIN_LENGTH).max(PASSWORD_MAX_LENGTH),
  name: z.string().trim().min(1).max(100),
});
const TokenBody = z.strictObject({
  grant_type: z.literal('password').optional(),
  email: z.string().max(254),
  password: z.string().max(PASSWORD_MAX_LENGTH),
});
const TokenResponse = z.object({ access_token: z.string(), token_type: z.literal('Bearer'), expires_in: z.number().int() });
const Jwks = z.object({ keys: z.array(z.record(z.string(), z.unknown())) });

export function userRoutes(container: DependencyContainer): ApiRoute[] {
  const register = container.resolve(RegisterUserHandler);
  const issueToken = container.resolve(IssueTokenHandler);
  const currentUser = container.resolve(CurrentUserQuery);
  const keys = container.resolve<SigningKeySet>(TOKENS.SigningKeys);
  const tags = ['users'];
  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/users',
      summary: 'Sign up as a customer',
      tags,
      access: 'public',
      request: { body: RegisterBody },
      responses: { 201: { description: 'Created', schema: UserView }, 400: { description: 'Invalid body' }, 409: { description: 'Email taken' } },
      handle: async ({ body }) => {
        const user = await register.execute(body);
        return { status: 201, body: toUserView(user), headers: { Location: '/api/v1/users/me' } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/auth/token',
      summary: 'Exchange email and password for an access token (OAuth 2.0 token response)',
      tags,
      access: 'public',
      request: { body: TokenBody },
      responses: { 200: { description: 'Token', schema: TokenResponse }, 400: { description: 'Invalid body' }, 401: { description: 'Wrong credentials' } },
      handle: async ({ body }) => {
        const { accessToken, expiresIn } = await issueToken.execute(body.email, body.password);
        // RFC 6749 §5.1: token responses must not be cached.
        return { body: { access_token: accessToken, token_type: 'Bearer', expires_in: expiresIn }, headers: { Pragma: 'no-cache' } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/users/me',
      summary: 'The signed-in account',
      tags,
      access: 'authenticated',
      responses: { 200: { description: 'Account', schema: UserView }, 401: { description: 'No valid token' }, 404: { description: 'Account deleted' } },
      handle: async ({ principal }) => ({ body: toUserView(await currentUser.execute(principal.subject)) }),
    }),
    defineRoute({
      method: 'get',
      path: '/.well-known/jwks.json',
      summary: 'Public keys that verify access tokens',
      tags,
      access: 'public',
      responses: { 200: { description: 'JSON Web Key Set', schema: Jwks } },
      handle: async () => ({ body: keys.jwks(), headers: { 'Cache-Control': 'public, max-age=300' } }),
    }),
  ];
}
