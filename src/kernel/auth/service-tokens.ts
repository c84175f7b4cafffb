import { AccessTokenSigner } from './access-token.signer.js';
import { AccessTokenVerifier, type JwksSource, type Principal } from './access-token.verifier.js';
import type { SigningKeySet } from './signing-keys.js';

/** Header that carries a service token from the gateway to a module process. */
export const SERVICE_TOKEN_HEADER = 'x-mercato-service-token';
const ISSUER = 'mercato-gateway';
const TTL_SECONDS = 60;

function audienceFor(module: string): string {
  return `mercato-service:${module}`;
}

/**
 * Short-lived tokens the gateway signs for one module at a time, so a module process can tell a
 * request relayed by the gateway from one sent to it directly (zero trust between processes).
 */
export class ServiceTokenIssuer {
  private readonly cache = new Map<string, { token: string; renewAt: number }>();

  constructor(private readonly keys: SigningKeySet) {}

  async tokenFor(module: string): Promise<string> {
    const cached = this.cache.get(module);
    if (cached && cached.renewAt > Date.now()) return cached.token;
    const signer = new AccessTokenSigner(this.keys, { issuer: ISSUER, audience: audienceFor(module), ttlSeconds: TTL_SECONDS });
    const { token } = await signer.sign({ subject: 'gateway', role: 'service' });
    // Renewed at half-life, so a token in flight never expires on the way.
    this.cache.set(module, { token, renewAt: Date.now() + (TTL_SECONDS * 1000) / 2 });
    return token;
  }
}

/** Accepts service tokens addressed to any of the modules this process hosts. */
export class ServiceTokenVerifier {
  private readonly verifier: AccessTokenVerifier;

  constructor(source: JwksSource, hostedModules: readonly string[]) {
    this.verifier = new AccessTokenVerifier(source, { issuer: ISSUER, audience: hostedModules.map(audienceFor), clockToleranceSeconds: 5 });
  }

  verify(token: string): Promise<Principal> {
    return this.verifier.verify(token);
  }

  prefetchKeys(): void {
    this.verifier.prefetchKeys();
  }

  stop(): void {
    this.verifier.stop();
  }
}
