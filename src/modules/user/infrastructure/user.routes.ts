import type { DependencyContainer } from 'tsyringe';
import { z } from 'zod';
import { JwksSchema } from '../../../kernel/auth/jwks.schema.js';
import type { SigningKeySet } from '../../../kernel/auth/signing-keys.js';
import { defineOperation, implement, type ApiRoute } from '../../../kernel/http/api-route.js';
import { TOKENS } from '../../../kernel/tokens.js';
import { UserQueries } from '../application/user.queries.js';
import { IssueTokenCommand } from '../application/issue-token.command.js';
import { RegisterUserCommand } from '../application/register-user.command.js';
import { RevokeTokenCommand } from '../application/revoke-token.command.js';
import { TokenView, toTokenView } from '../application/token.view.js';
import { toUserView, UserView } from '../application/user.view.js';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../domain/user.js';

const Email = z.email().max(254);
const RegisterBody = z.strictObject({
  email: Email,
  password: z.string().min(PASSWORD_MIN_LENGTH).max(PASSWORD_MAX_LENGTH),
  name: z.string().trim().min(1).max(100),
});
/** OAuth 2.0 grants, told apart by `grant_type` (absent means `password`, as before refresh tokens). */
const TokenBody = z.discriminatedUnion('grant_type', [
  z.strictObject({
    grant_type: z.literal('password').optional(),
    email: z.string().max(254),
    password: z.string().max(PASSWORD_MAX_LENGTH),
  }),
  z.strictObject({
    grant_type: z.literal('refresh_token'),
    refresh_token: z.string().max(512),
  }),
]);
/** RFC 7009: the token to revoke (a refresh token) and an optional hint. */
const RevokeBody = z.strictObject({
  token: z.string().max(4096),
  token_type_hint: z.enum(['refresh_token', 'access_token']).optional(),
});

const tags = ['users'];
const TOKEN_EXAMPLE = {
  access_token: 'eyJhbGciOiJFUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiIuLi4ifQ.c2lnbmF0dXJl',
  token_type: 'Bearer',
  expires_in: 900,
  refresh_token: 'rt_Yk3xv0gqJtq8m1c9b2PZ4w',
};

/** The user module's HTTP operations, as the API document describes them. */
export const userApi = {
  registerUser: defineOperation({
    operationId: 'registerUser',
    method: 'post',
    path: '/api/v1/users',
    summary: 'Sign up as a customer',
    tags,
    access: 'public',
    request: {
      body: RegisterBody,
      examples: { ann: { summary: 'A new customer', value: { email: 'ann@example.com', password: 'password123', name: 'Ann' } } },
    },
    responses: {
      201: {
        description: 'Created',
        schema: UserView,
        headers: ['Location'],
        examples: {
          ann: { summary: 'The account', value: { id: '0199a1b0-5a6b-7c8d-9e0f-1a2b3c4d5e6f', email: 'ann@example.com', name: 'Ann', role: 'customer' } },
        },
      },
      400: { description: 'Invalid body' },
      409: { description: 'Email taken' },
    },
  }),
  issueToken: defineOperation({
    operationId: 'issueToken',
    method: 'post',
    path: '/api/v1/auth/token',
    summary: 'Exchange email and password, or a refresh token, for an access token and a new refresh token (OAuth 2.0 token response)',
    description:
      'Two grants, told apart by `grant_type`: `password` (the default when absent) with `email` and `password`, and ' +
      '`refresh_token`. Refresh tokens rotate on every use; reusing a spent one revokes every token of its sign-in. ' +
      'The body is JSON (not form-encoded). Send the access token as `Authorization: Bearer <access_token>`.',
    tags,
    access: 'public',
    request: {
      body: TokenBody,
      examples: {
        password: { summary: 'Sign in (password grant)', value: { grant_type: 'password', email: 'ann@example.com', password: 'password123' } },
        refresh: { summary: 'Refresh (refresh_token grant)', value: { grant_type: 'refresh_token', refresh_token: 'rt_Yk3xv0gqJtq8m1c9b2PZ4w' } },
      },
    },
    responses: {
      200: { description: 'Token', schema: TokenView, headers: ['Cache-Control'], examples: { token: { summary: 'Tokens', value: TOKEN_EXAMPLE } } },
      400: { description: 'Invalid body' },
      401: { description: 'Wrong credentials, or a refresh token that is unknown, expired, revoked or reused' },
      429: { description: 'Too many failed sign-ins for this account or address, or too many requests; see Retry-After', headers: ['Retry-After'] },
    },
  }),
  revokeToken: defineOperation({
    operationId: 'revokeToken',
    method: 'post',
    path: '/api/v1/auth/revoke',
    summary: 'Revoke a refresh token and every token rotated from the same sign-in (RFC 7009)',
    tags,
    access: 'public',
    request: { body: RevokeBody },
    responses: {
      200: { description: 'Revoked, or the token was not known (same answer)', schema: z.strictObject({}) },
      400: { description: 'Invalid body' },
    },
  }),
  getCurrentUser: defineOperation({
    operationId: 'getCurrentUser',
    method: 'get',
    path: '/api/v1/users/me',
    summary: 'The signed-in account',
    tags,
    access: 'authenticated',
    responses: { 200: { description: 'Account', schema: UserView }, 401: { description: 'No valid token' }, 404: { description: 'Account deleted' } },
  }),
  getJwks: defineOperation({
    operationId: 'getJwks',
    method: 'get',
    path: '/.well-known/jwks.json',
    summary: 'Public keys that verify access tokens',
    tags,
    access: 'public',
    responses: { 200: { description: 'JSON Web Key Set', schema: JwksSchema, headers: ['Cache-Control'] } },
  }),
};

export function userRoutes(container: DependencyContainer): ApiRoute[] {
  const register = container.resolve(RegisterUserCommand);
  const issueToken = container.resolve(IssueTokenCommand);
  const revokeToken = container.resolve(RevokeTokenCommand);
  const users = container.resolve(UserQueries);
  const keys = container.resolve<SigningKeySet>(TOKENS.SigningKeys);
  return implement(userApi, {
    registerUser: async ({ body }) => {
      const user = await register.execute(body);
      return { status: 201, body: toUserView(user), headers: { Location: '/api/v1/users/me' } };
    },
    issueToken: async ({ body, ip }) => {
      const issued =
        body.grant_type === 'refresh_token' ? await issueToken.refresh(body.refresh_token) : await issueToken.execute(body.email, body.password, ip);
      // RFC 6749 §5.1: token responses must not be cached.
      return {
        body: toTokenView(issued),
        headers: { Pragma: 'no-cache' },
      };
    },
    revokeToken: async ({ body }) => {
      await revokeToken.execute(body.token);
      return { body: {}, headers: { 'Cache-Control': 'no-store', Pragma: 'no-cache' } };
    },
    getCurrentUser: async ({ principal }) => ({ body: toUserView(await users.get(principal.subject)) }),
    getJwks: async () => ({ body: keys.jwks(), headers: { 'Cache-Control': 'public, max-age=300' } }),
  });
}
