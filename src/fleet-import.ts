// The fleet mode's modules load only when used; its Redis packages are optional peers of qrun.

import { UsageError } from './errors.js';

/**
 * Loads a fleet module; if bullmq or ioredis is not installed, says how to install them
 * (a UsageError, exit 255) instead of a module-resolution trace.
 */
export async function importFleet<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const { code, message } = error as { code?: string; message?: string };
    if (code === 'ERR_MODULE_NOT_FOUND' && /['"](bullmq|ioredis)['"]/.test(message ?? '')) {
      throw new UsageError('the fleet mode (--redis, qrun worker) needs the packages bullmq and ioredis: npm install bullmq ioredis');
    }
    throw error;
  }
}
