import type { DependencyContainer } from 'tsyringe';
import type { AppConfig } from '../../kernel/config/config.schema.js';
import { defineModule } from '../../kernel/module.js';
import { TOKENS } from '../../kernel/tokens.js';
import { CurrentUserQuery } from './application/current-user.query.js';
import { EnsureAdminHandler } from './application/ensure-admin.handler.js';
import { IssueTokenHandler } from './application/issue-token.handler.js';
import { RegisterUserHandler } from './application/register-user.handler.js';
import { UserRegisteredV1 } from './contracts/user-registered.event.js';
import { UserRepository } from './infrastructure/user.repository.js';
import { userRoutes } from './infrastructure/user.routes.js';
import { UserSchema } from './infrastructure/user.schema.js';
import { migrations } from './infrastructure/migrations/index.js';

export const userModule = defineModule({
  name: 'user',
  routePrefixes: ['/api/v1/users', '/api/v1/auth', '/.well-known/jwks.json'],
  issuesTokens: true,
  entities: [UserSchema],
  migrations,
  publishes: [UserRegisteredV1],
  subscriptions: [],
  register(container: DependencyContainer) {
    container.registerSingleton(UserRepository);
    container.registerSingleton(RegisterUserHandler);
    container.registerSingleton(IssueTokenHandler);
    container.registerSingleton(CurrentUserQuery);
    container.registerSingleton(EnsureAdminHandler);
  },
  routes: userRoutes,
  async start(container: DependencyContainer) {
    const { admin } = container.resolve<AppConfig>(TOKENS.Config);
    if (admin.email && admin.password) await container.resolve(EnsureAdminHandler).execute(admin.email, admin.password);
  },
});
