/**
 * A charm's ServiceSpec as data crossing a boundary (a hook process's Machine call, a
 * netns machine's saved service state): checked with zod before anything trusts it.
 */
import { z } from 'zod';

export const ServiceSpecSchema = z
  .object({
    name: z.string(),
    description: z.string().optional(),
    command: z.array(z.string()),
    user: z.string().optional(),
    group: z.string().optional(),
    environment: z.record(z.string(), z.string()).optional(),
    workingDirectory: z.string().optional(),
    restart: z.enum(['always', 'on-failure', 'no']).optional(),
  })
  .strict();
