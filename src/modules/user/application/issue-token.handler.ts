import { inject, injectable } from 'tsyringe';
import type { AccessTokenSigner } from '../../../kernel/auth/access-token.signer.js';
import type { PasswordHasher } from '../../../kernel/auth/password.hasher.js';
import type { UnitOfWork } from '../../../kernel/db/unit-of-work.js';
import { TOKENS } from '../../../kernel/tokens.js';
import { InvalidCredentialsError } from '../domain/user.errors.js';
import { normalizeEmail } from '../domain/user.js';
import { UserRepository } from '../infrastructure/user.repository.js';

export interface IssuedToken {
  accessToken: string;
  expiresIn: number;
}

@injectable()
export class IssueTokenHandler {
  constructor(
    @inject(TOKENS.UnitOfWork) private readonly uow: UnitOfWork,
    @inject(TOKENS.PasswordHasher) private readonly hasher: PasswordHasher,
    @inject(TOKENS.TokenSigner) private readonly signer: AccessTokenSigner,
    @inject(UserRepository) private readonly users: UserRepository,
  ) {}

  async execute(email: string, password: string): Promise<IssuedToken> {
    const user = await this.users.findByEmail(this.uow.reader(), normalizeEmail(email));
    // An unknown email costs the same hashing time as a wrong password.
    const valid = user ? await this.hasher.verify(password, user.passwordHash) : await this.hasher.verifyAgainstDummy(password);
    if (!user || !valid) throw new InvalidCredentialsError();
    const { token, expiresIn } = await this.signer.sign({ subject: user.id, role: user.role, email: user.email });
    return { accessToken: token, expiresIn };
  }
}
