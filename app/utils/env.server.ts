import { z } from 'zod';

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  SESSION_SECRET: z.string().min(16, 'SESSION_SECRET must be at least 16 characters'),
});

let parsed: z.infer<typeof schema> | undefined;

/** The environment, parsed once. SESSION_SECRET is set by server.ts (generated in embedded mode) before the app loads. */
export function env() {
  if (!parsed) {
    const result = schema.safeParse(process.env);
    if (!result.success) {
      throw new Error(`Invalid environment: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    }
    parsed = result.data;
  }
  return parsed;
}
