import type { DependencyContainer } from 'tsyringe';
import { PasswordHasher } from '../../kernel/auth/password.hasher.js';
import { defineModule } from '../../kernel/module.js';
import { TOKENS } from '../../kernel/tokens.js';
import { UserQueries } from './application/user.queries.js';
import { EnsureAdminCommand } from './application/ensure-admin.command.js';
import { IssueTokenCommand } from './application/issue-token.command.js';
import { LoginThrottle } from './application/login-throttle.service.js';
import { RegisterUserCommand } from './application/register-user.command.js';
import { RevokeTokenCommand } from './application/revoke-token.command.js';
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
import { userConfig, type UserConfig } from './user.config.js';

export const userModule = defineModule({
  name: 'user',
  tag: { name: 'users', description: 'Accounts and tokens (the user module): sign up, sign in, refresh, revoke.' },
  routePrefixes: ['/api/v1/users', '/api/v1/auth', '/.well-known/jwks.json'],
  issuesTokens: true,
  config: userConfig,
  entities: [UserSchema, RefreshTokenSchema, LoginFailureSchema],
  migrations: () => import('./infrastructure/migrations/index.js').then((m) => m.migrations),
  publishes: [UserRegisteredV1],
  subscriptions: [],
  register(container: DependencyContainer) {
    container.register(PasswordHasher, { useValue: new PasswordHasher() });
    container.registerSingleton(UserRepository, OrmUserRepository);
    container.registerSingleton(RefreshTokenRepository, OrmRefreshTokenRepository);
    container.registerSingleton(LoginFailureRepository, OrmLoginFailureRepository);
    container.registerSingleton(LoginThrottle);
    container.registerSingleton(RevokeTokenCommand);
    container.registerSingleton(RegisterUserCommand);
    container.registerSingleton(IssueTokenCommand);
    container.registerSingleton(UserQueries);
    container.registerSingleton(EnsureAdminCommand);
  },
  api: Object.values(userApi),
  routes: userRoutes,
  async start(container: DependencyContainer) {
    const { admin } = container.resolve<UserConfig>(TOKENS.ModuleConfig);
    if (admin.email && admin.password) await container.resolve(EnsureAdminCommand).execute(admin.email, admin.password);
  },
});
