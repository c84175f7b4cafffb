import { inject, injectable } from 'tsyringe';
import { newId } from '../../../kernel/ids/id.generator.js';
import { PasswordHasher } from '../../../kernel/auth/password.hasher.js';
import type { Transaction, UnitOfWork } from '../../../kernel/events/unit-of-work.js';
import { TOKENS } from '../../../kernel/tokens.js';
import { UserRegisteredV1 } from '../contracts/user-registered.event.js';
import { EmailTakenError } from '../domain/user.errors.js';
import { normalizeEmail, type Role, type User } from '../domain/user.js';
import { UserRepository } from './user-repository.port.js';
import { isUniqueViolation } from '../../../kernel/db/unique-violation.js';

export interface RegisterUserInput {
  email: string;
  password: string;
  name: string;
}

@injectable()
export class RegisterUserCommand {
  constructor(
    @inject(TOKENS.UnitOfWork) private readonly uow: UnitOfWork,
    @inject(PasswordHasher) private readonly hasher: PasswordHasher,
    @inject(UserRepository) private readonly users: UserRepository,
  ) {}

  /** Self-service sign-up always makes a customer. */
  async execute(command: RegisterUserInput): Promise<User> {
    const email = normalizeEmail(command.email);
    // Hash outside the transaction: it is slow and needs no database.
    const passwordHash = await this.hasher.hash(command.password);
    try {
      return await this.uow.run(async (tx) => {
        if (await this.users.findByEmail(tx.em, email)) throw new EmailTakenError();
        return this.create(tx, { email, name: command.name, passwordHash, role: 'customer' });
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new EmailTakenError();
      throw err;
    }
  }

  create(tx: Transaction, fields: { email: string; name: string; passwordHash: string; role: Role }): User {
    const now = new Date();
    const user: User = { id: newId(), ...fields, createdAt: now, updatedAt: now };
    this.users.add(tx.em, user);
    tx.publish(UserRegisteredV1, user.id, { userId: user.id, email: user.email, name: user.name, role: user.role });
    return user;
  }
}
