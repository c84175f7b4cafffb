import { inject, injectable } from 'tsyringe';
import type { UnitOfWork } from '../../../kernel/events/unit-of-work.js';
import { TOKENS } from '../../../kernel/tokens.js';
import { UserNotFoundError } from '../domain/user.errors.js';
import type { User } from '../domain/user.js';
import { UserRepository } from './user-repository.port.js';

@injectable()
export class UserQueries {
  constructor(
    @inject(TOKENS.UnitOfWork) private readonly uow: UnitOfWork,
    @inject(UserRepository) private readonly users: UserRepository,
  ) {}

  async get(userId: string): Promise<User> {
    const user = await this.users.findById(this.uow.reader(), userId);
    if (!user) throw new UserNotFoundError();
    return user;
  }
}
