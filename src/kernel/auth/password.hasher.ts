import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

export interface PasswordHasherOptions {
  /** scrypt N; tests lower it to stay fast. Must be a power of two. */
  cost?: number;
}

const SCHEME = 'scrypt';
const DEFAULT_COST = 16_384;
const BLOCK_SIZE = 8;
const PARALLELISM = 1;
const SALT_BYTES = 16;
const KEY_BYTES = 64;
// Bounds on parameters read back from storage, so a corrupted row cannot make one login
// allocate gigabytes or run for minutes.
const MAX_COST = 1 << 20;
const MAX_BLOCK_SIZE = 32;
const MAX_PARALLELISM = 16;
const B64URL = /^[A-Za-z0-9_-]+$/;

interface StoredHash {
  cost: number;
  blockSize: number;
  parallelism: number;
  salt: Buffer;
  hash: Buffer;
}

/**
 * scrypt password hashing. Parameters travel inside the stored string, so raising the cost later
 * keeps old hashes verifiable.
 */
export class PasswordHasher {
  private readonly cost: number;

  constructor(options: PasswordHasherOptions = {}) {
    const cost = options.cost ?? DEFAULT_COST;
    if (!isPowerOfTwo(cost) || cost > MAX_COST) {
      throw new Error(`PasswordHasher cost must be a power of two between 2 and ${MAX_COST}.`);
    }
    this.cost = cost;
  }

  async hash(plain: string): Promise<string> {
    const salt = randomBytes(SALT_BYTES);
    const hash = await derive(plain, salt, KEY_BYTES, this.cost, BLOCK_SIZE, PARALLELISM);
    return [SCHEME, this.cost, BLOCK_SIZE, PARALLELISM, salt.toString('base64url'), hash.toString('base64url')].join('$');
  }

  async verify(plain: string, stored: string): Promise<boolean> {
    const parsed = parse(stored);
    if (!parsed) return false;
    let candidate: Buffer;
    try {
      candidate = await derive(plain, parsed.salt, parsed.hash.length, parsed.cost, parsed.blockSize, parsed.parallelism);
    } catch {
      return false;
    }
    return timingSafeEqual(candidate, parsed.hash);
  }

  /**
   * For sign-ins naming an unknown account: does a full derivation at the current cost so the
   * response time does not tell whether the account exists.
   */
  async verifyAgainstDummy(plain: string): Promise<false> {
    const dummy = [
      SCHEME,
      this.cost,
      BLOCK_SIZE,
      PARALLELISM,
      randomBytes(SALT_BYTES).toString('base64url'),
      randomBytes(KEY_BYTES).toString('base64url'),
    ].join('$');
    await this.verify(plain, dummy);
    return false;
  }
}

function derive(plain: string, salt: Buffer, keyLength: number, cost: number, blockSize: number, parallelism: number): Promise<Buffer> {
  // NFC so the same password typed on different keyboards/OSes (composed vs decomposed accents)
  // hashes identically.
  const password = plain.normalize('NFC');
  // Node's default maxmem (32 MiB) is too small once cost goes above 2^15; scrypt needs ~128*N*r.
  const maxmem = 256 * cost * blockSize + 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keyLength, { N: cost, r: blockSize, p: parallelism, maxmem }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

function parse(stored: string): StoredHash | undefined {
  if (typeof stored !== 'string') return undefined;
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== SCHEME) return undefined;
  const [, costText, blockText, parallelText, saltText, hashText] = parts as [string, string, string, string, string, string];
  const cost = parseInteger(costText);
  const blockSize = parseInteger(blockText);
  const parallelism = parseInteger(parallelText);
  if (cost === undefined || !isPowerOfTwo(cost) || cost > MAX_COST) return undefined;
  if (blockSize === undefined || blockSize < 1 || blockSize > MAX_BLOCK_SIZE) return undefined;
  if (parallelism === undefined || parallelism < 1 || parallelism > MAX_PARALLELISM) return undefined;
  const salt = decode(saltText);
  const hash = decode(hashText);
  if (!salt || salt.length < 8) return undefined;
  if (!hash || hash.length < 16 || hash.length > 128) return undefined;
  return { cost, blockSize, parallelism, salt, hash };
}

function parseInteger(text: string): number | undefined {
  return /^[1-9][0-9]{0,8}$/.test(text) ? Number(text) : undefined;
}

// Buffer.from(..., 'base64url') silently skips junk, so insist on the canonical encoding.
function decode(text: string): Buffer | undefined {
  if (!B64URL.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}

function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 1 && (n & (n - 1)) === 0;
}
