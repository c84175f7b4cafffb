import { BlockList, isIP } from 'node:net';
import { parseIpOrCidr } from '../config/ip-address.js';
import { ForbiddenError } from '../errors/http.errors.js';

/** An IPv4 peer on a dual-stack socket shows as `::ffff:1.2.3.4`. */
function normalize(ip: string): { address: string; family: 'ipv4' | 'ipv6' } | undefined {
  const bare = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
  const version = isIP(bare);
  return version === 0 ? undefined : { address: bare, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/**
 * The addresses admin routes accept calls from (`http.adminAllowList`). Empty: everyone (the role
 * check still applies). The address is the socket peer, never `X-Forwarded-For`, which any client sets.
 */
export class AdminAllowList {
  private readonly list = new BlockList();
  readonly enabled: boolean;

  constructor(entries: readonly string[]) {
    this.enabled = entries.length > 0;
    for (const entry of entries) {
      const parsed = parseIpOrCidr(entry);
      if (!parsed) throw new Error(`Invalid admin allow-list entry: ${entry}`);
      if (parsed.prefix === undefined) this.list.addAddress(parsed.address, parsed.family);
      else this.list.addSubnet(parsed.address, parsed.prefix, parsed.family);
    }
  }

  allows(ip: string | undefined): boolean {
    if (!this.enabled) return true;
    const peer = ip ? normalize(ip) : undefined;
    return peer !== undefined && this.list.check(peer.address, peer.family);
  }

  /** Throws the 403 problem for a caller outside the list. */
  assert(ip: string | undefined): void {
    if (!this.allows(ip)) throw new ForbiddenError('Admin operations are not allowed from this address.');
  }
}
