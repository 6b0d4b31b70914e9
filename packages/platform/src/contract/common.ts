/** What every answer of the REST API shares: the error body and the shape of a list. */
import { z } from 'zod';

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().describe('stable code, e.g. OSW_CARD_PIN_WRONG (docs/errors.md)'),
      message: z.string().describe('in the language of Accept-Language'),
    }),
  })
  .describe('error');

/** A page of a list: `{ items, total }`, asked with `page` and `pageSize`. */
export function listOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), total: z.number().int().describe('number of records matching the filters, over all pages') });
}
