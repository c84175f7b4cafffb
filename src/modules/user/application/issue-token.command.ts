import { inject, injectable } from 'tsyringe';
import { newId } from '../../../kernel/ids/id.generator.js';
import type { AccessTokenSigner } from '../../../kernel/auth/access-token.signer.js';
import { PasswordHasher } from '../../../kernel/auth/password.hasher.js';
import type { Transaction, UnitOfWork } from '../../../kernel/events/unit-of-work.js';
import { TOKENS } from '../../../kernel/tokens.js';
import { generateRefreshToken, hashRefreshToken, refreshTokenState } from '../domain/refresh-token.js';
import { InvalidCredentialsError, InvalidGrantError } from '../domain/user.errors.js';
import { normalizeEmail, type User } from '../domain/user.js';
import { RefreshTokenRepository } from './refresh-token-repository.port.js';
import { UserRepository } from './user-repository.port.js';
import type { UserConfig } from '../user.config.js';
import { LoginThrottle } from './login-throttle.service.js';

export interface IssuedToken {
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
}

type RefreshOutcome = { ok: true; user: User; refreshToken: string } | { ok: false };

@injectable()
export class IssueTokenCommand {
  private readonly refreshTtlMs: number;

  constructor(
    @inject(TOKENS.UnitOfWork) private readonly uow: UnitOfWork,
    @inject(PasswordHasher) private readonly hasher: PasswordHasher,
    @inject(TOKENS.TokenSigner) private readonly signer: AccessTokenSigner,
    @inject(TOKENS.ModuleConfig) config: UserConfig,
    @inject(UserRepository) private readonly users: UserRepository,
    @inject(RefreshTokenRepository) private readonly refreshTokens: RefreshTokenRepository,
    @inject(LoginThrottle) private readonly throttle: LoginThrottle,
  ) {
    this.refreshTtlMs = config.refreshTokenTtlSeconds * 1000;
  }

  /** The password grant: a new session (refresh token family). */
  async execute(email: string, password: string, ip?: string): Promise<IssuedToken> {
    const attempt = { email: normalizeEmail(email), ip };
    const own = await this.throttle.begin(attempt);
    // Checked before the account is even looked up: a lock reads the same for every email.
    await this.throttle.assertAllowed(attempt, own).catch(async (err: unknown) => {
      await this.throttle.forget(own);
      throw err;
    });
    const user = await this.users.findByEmail(this.uow.reader(), attempt.email);
    // An unknown email costs the same hashing time as a wrong password.
    const valid = user ? await this.hasher.verify(password, user.passwordHash) : await this.hasher.verifyAgainstDummy(password);
    // A failure is already on record (begin); only a success takes it back.
    if (!user || !valid) throw new InvalidCredentialsError();
    await this.throttle.recordSuccess(attempt, own);
    const refreshToken = await this.uow.run(async (tx) => this.addRefreshToken(tx, user.id, newId()));
    return this.issue(user, refreshToken);
  }

  /**
   * The refresh_token grant: rotates the token (the presented one becomes used) within its family.
   * A used token presented again means it leaked: the whole family is revoked.
   */
  async refresh(token: string): Promise<IssuedToken> {
    const tokenHash = hashRefreshToken(token);
    // Committed whatever the outcome (a reuse must stay revoked), so failures are results, not throws.
    const outcome = await this.uow.run<RefreshOutcome>(async (tx) => {
      const now = new Date();
      const current = await this.refreshTokens.findByHash(tx.em, tokenHash);
      if (!current) return { ok: false };
      const state = refreshTokenState(current, now);
      if (state === 'used') {
        await this.refreshTokens.revokeFamily(tx.em, current.familyId, now);
        return { ok: false };
      }
      if (state !== 'active') return { ok: false };
      // Lost a race with a concurrent refresh of the same token: that is reuse too.
      if (!(await this.refreshTokens.markUsed(tx.em, current.id, now))) {
        await this.refreshTokens.revokeFamily(tx.em, current.familyId, now);
        return { ok: false };
      }
      const user = await this.users.findById(tx.em, current.userId);
      if (!user) {
        await this.refreshTokens.revokeFamily(tx.em, current.familyId, now);
        return { ok: false };
      }
      return { ok: true, user, refreshToken: this.addRefreshToken(tx, user.id, current.familyId) };
    });
    if (!outcome.ok) throw new InvalidGrantError();
    return this.issue(outcome.user, outcome.refreshToken);
  }

  private addRefreshToken(tx: Transaction, userId: string, familyId: string): string {
    const token = generateRefreshToken();
    const now = new Date();
    this.refreshTokens.add(tx.em, {
      id: newId(),
      tokenHash: hashRefreshToken(token),
      familyId,
      userId,
      expiresAt: new Date(now.getTime() + this.refreshTtlMs),
      createdAt: now,
      usedAt: null,
      revokedAt: null,
    });
    return token;
  }

  private async issue(user: User, refreshToken: string): Promise<IssuedToken> {
    const { token, expiresIn } = await this.signer.sign({ subject: user.id, role: user.role, email: user.email });
    return { accessToken: token, expiresIn, refreshToken };
  }
}
