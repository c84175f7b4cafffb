import { inject, injectable } from 'tsyringe';
import { PasswordHasher } from '../../../kernel/auth/password.hasher.js';
import type { UnitOfWork } from '../../../kernel/events/unit-of-work.js';
import type { Logger } from '../../../kernel/observability/logger.factory.js';
import { TOKENS } from '../../../kernel/tokens.js';
import { normalizeEmail } from '../domain/user.js';
import { RefreshTokenRepository } from './refresh-token-repository.port.js';
import { UserRepository } from './user-repository.port.js';
import { RegisterUserCommand } from './register-user.command.js';

/**
 * Makes sure the configured admin exists with the configured password, at every start: creating
 * it the first time, and promoting or re-keying an existing account when the settings change.
 * A promotion or a password reset ends every session the account had (its refresh token
 * families are revoked in the same transaction): whoever held one before, for instance whoever
 * registered the address first, must not keep it, since the refresh grant reads the role afresh.
 */
@injectable()
export class EnsureAdminCommand {
  constructor(
    @inject(TOKENS.UnitOfWork) private readonly uow: UnitOfWork,
    @inject(PasswordHasher) private readonly hasher: PasswordHasher,
    @inject(UserRepository) private readonly users: UserRepository,
    @inject(RefreshTokenRepository) private readonly refreshTokens: RefreshTokenRepository,
    @inject(RegisterUserCommand) private readonly register: RegisterUserCommand,
    @inject(TOKENS.Logger) private readonly logger: Logger,
  ) {}

  async execute(rawEmail: string, password: string): Promise<void> {
    const email = normalizeEmail(rawEmail);
    const existing = await this.users.findByEmail(this.uow.reader(), email);
    const passwordMatches = existing ? await this.hasher.verify(password, existing.passwordHash) : false;
    if (existing?.role === 'admin' && passwordMatches) return;
    const passwordHash = passwordMatches && existing ? existing.passwordHash : await this.hasher.hash(password);
    await this.uow.run(async (tx) => {
      const user = await this.users.findByEmail(tx.em, email);
      if (!user) {
        this.register.create(tx, { email, name: 'Administrator', passwordHash, role: 'admin' });
        return;
      }
      const now = new Date();
      if (user.role !== 'admin' || user.passwordHash !== passwordHash) await this.refreshTokens.revokeAllOfUser(tx.em, user.id, now);
      user.role = 'admin';
      user.passwordHash = passwordHash;
      user.updatedAt = now;
    });
    this.logger.info({ email }, existing ? 'admin account updated' : 'admin account created');
  }
}
