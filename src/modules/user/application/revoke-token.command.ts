import { inject, injectable } from 'tsyringe';
import type { UnitOfWork } from '../../../kernel/events/unit-of-work.js';
import { TOKENS } from '../../../kernel/tokens.js';
import { hashRefreshToken } from '../domain/refresh-token.js';
import { RefreshTokenRepository } from './refresh-token-repository.port.js';

/** RFC 7009 revocation: revokes the refresh token's whole family; unknown tokens are ignored. */
@injectable()
export class RevokeTokenCommand {
  constructor(
    @inject(TOKENS.UnitOfWork) private readonly uow: UnitOfWork,
    @inject(RefreshTokenRepository) private readonly refreshTokens: RefreshTokenRepository,
  ) {}

  async execute(token: string): Promise<void> {
    const tokenHash = hashRefreshToken(token);
    await this.uow.run(async (tx) => {
      const found = await this.refreshTokens.findByHash(tx.em, tokenHash);
      if (found) await this.refreshTokens.revokeFamily(tx.em, found.familyId, new Date());
    });
  }
}
