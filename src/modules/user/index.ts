import type { DependencyContainer } from 'tsyringe';
import type { AppConfig } from '../../kernel/config/config.schema.js';
import { defineModule } from '../../kernel/module.js';
import { TOKENS } from '../../kernel/tokens.js';
import { CurrentUserQuery } from './application/current-user.query.js';
import { EnsureAdminHandler } from './application/ensure-admin.handler.js';
import { IssueTokenHandler } from './application/issue-token.handler.js';
import { LoginThrottle } from './application/login-throttle.service.js';
import { RegisterUserHandler } from './application/register-user.handler.js';
import { RevokeTokenHandler } from './application/revoke-token.handler.js';
import { UserRegisteredV1 } from './contracts/user-registered.event.js';
import { LoginFailureRepository } from './application/login-failure-repository.port.js';
import { OrmLoginFailureRepository } from './infrastructure/login-failure.repository.js';
import { LoginFailureSchema } from './infrastructure/login-failure.schema.js';
import { RefreshTokenRepository } from './application/refresh-token-repository.port.js';
import { OrmRefreshTokenRepository } from './infrastructure/refresh-token.repository.js';
import { RefreshTokenSchema } from './infrastructure/refresh-token.schema.js';
import { UserRepository } from './application/user-repository.port.js';
import { OrmUserRepository } from './infrastructure/user.repository.js';
import { userApi, userRoutes } from './infrastructure/user.routes.js';
import { UserSchema } from './infrastructure/user.schema.js';

export const userModule = defineModule({
  name: 'user',
  routePrefixes: ['/api/v1/users', '/api/v1/auth', '/.well-known/jwks.json'],
  issuesTokens: true,
  entities: [UserSchema, RefreshTokenSchema, LoginFailureSchema],
  migrations: () => import('./infrastructure/migrations/index.js').then((m) => m.migrations),
  publishes: [UserRegisteredV1],
  subscriptions: [],
  register(container: DependencyContainer) {
    container.registerSingleton(UserRepository, OrmUserRepository);
    container.registerSingleton(RefreshTokenRepository, OrmRefreshTokenRepository);
    container.registerSingleton(LoginFailureRepository, OrmLoginFailureRepository);
    container.registerSingleton(LoginThrottle);
    container.registerSingleton(RevokeTokenHandler);
    container.registerSingleton(RegisterUserHandler);
    container.registerSingleton(IssueTokenHandler);
    container.registerSingleton(CurrentUserQuery);
    container.registerSingleton(EnsureAdminHandler);
  },
  api: Object.values(userApi),
  routes: userRoutes,
  async start(container: DependencyContainer) {
    const { admin } = container.resolve<AppConfig>(TOKENS.Config);
    if (admin.email && admin.password) await container.resolve(EnsureAdminHandler).execute(admin.email, admin.password);
  },
});
