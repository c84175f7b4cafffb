import { z } from 'zod';

/** A JSON Web Key Set (RFC 7517) as the key endpoints answer it: public keys only. */
export const JwksSchema = z
  .object({ keys: z.array(z.record(z.string(), z.unknown())) })
  .meta({ id: 'JsonWebKeySet', description: 'A JSON Web Key Set (RFC 7517) of public keys.' });
