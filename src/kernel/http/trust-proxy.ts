import { BlockList, isIP } from 'node:net';
import type { Context, Next } from 'koa';
import { parseIpOrCidr } from '../config/ip-address.js';

/**
 * Which proxies in front of this process are believed about the client's address (`TRUST_PROXY`):
 * none (the socket peer is the client), a number of hops (the last N addresses of
 * `[...X-Forwarded-For, peer]` are proxies), or the addresses/CIDRs of the proxies.
 */
export type TrustProxy = { hops: number } | { addresses: readonly string[] };

export const NO_PROXY: TrustProxy = { hops: 0 };

/** An IPv4 peer on a dual-stack socket shows as `::ffff:1.2.3.4`. */
function bare(ip: string): string {
  return ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
}

/** `for` entries as proxies write them; a port or brackets may come along (`[::1]:80`, `1.2.3.4:5`). */
function cleanEntry(entry: string): string {
  const v = entry.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(v);
  if (bracketed) return bracketed[1]!;
  const v4port = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(v);
  return v4port ? v4port[1]! : v;
}

export interface ResolvedClient {
  /** The client's address as far as the trusted proxies vouch for it. */
  ip: string;
  /** The forwarding chain up to and including the client (what a further hop may be told). */
  chain: string[];
}

/**
 * The client address of a request: walking `[...X-Forwarded-For, peer]` from the right, every
 * trusted proxy is skipped and the first address that is not one is the client. Entries left of it
 * were written by whoever the client is, so they are never believed. An entry that is not an IP
 * address stops the walk (a trusted proxy would not have written it).
 */
export class ClientAddressResolver {
  private readonly list = new BlockList();
  private readonly hops: number;
  private readonly byAddress: boolean;

  constructor(trust: TrustProxy) {
    if ('hops' in trust) {
      this.hops = trust.hops;
      this.byAddress = false;
    } else {
      this.hops = 0;
      this.byAddress = true;
      for (const entry of trust.addresses) {
        const parsed = parseIpOrCidr(entry);
        if (!parsed) throw new Error(`Invalid trusted proxy: ${entry}`);
        if (parsed.prefix === undefined) this.list.addAddress(parsed.address, parsed.family);
        else this.list.addSubnet(parsed.address, parsed.prefix, parsed.family);
      }
    }
  }

  get trustsAny(): boolean {
    return this.byAddress || this.hops > 0;
  }

  private trusted(ip: string): boolean {
    const version = isIP(ip);
    return version !== 0 && this.list.check(ip, version === 4 ? 'ipv4' : 'ipv6');
  }

  resolve(peer: string, forwardedFor: string): ResolvedClient {
    const socket = bare(peer);
    const forwarded = forwardedFor.split(',').map(cleanEntry).filter(Boolean).map(bare);
    const path = [...forwarded, socket];
    if (!this.trustsAny) return { ip: socket, chain: path };
    let index = path.length - 1;
    if (this.byAddress) {
      while (index > 0 && this.trusted(path[index]!) && isIP(path[index - 1]!) !== 0) index--;
    } else {
      for (let hop = 0; hop < this.hops && index > 0 && isIP(path[index - 1]!) !== 0; hop++) index--;
    }
    return { ip: path[index]!, chain: path.slice(0, index + 1) };
  }
}

/**
 * Sets `ctx.ip` (used by rate limits, the sign-in throttle and the admin allow-list) to the client
 * address the trusted proxies vouch for, and `ctx.state.forwardedFor` to the chain ending with it.
 * Without trusted proxies the socket peer is the client and `X-Forwarded-For` is not believed.
 */
export function trustProxyMiddleware(trust: TrustProxy) {
  const resolver = new ClientAddressResolver(trust);
  return async (ctx: Context, next: Next): Promise<void> => {
    const { ip, chain } = resolver.resolve(ctx.req.socket.remoteAddress ?? '', ctx.get('x-forwarded-for'));
    ctx.request.ip = ip;
    ctx.state.forwardedFor = chain;
    await next();
  };
}
