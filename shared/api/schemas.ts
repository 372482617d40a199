/** Response bodies, validated at the edge; inside the pipeline the types are trusted. */
import { z } from 'zod';
import { CONTENT_TYPES } from '../content-types.js';

export const contentItemSchema = z.object({
  contentType: z.enum(CONTENT_TYPES),
  contentId: z.string().min(1),
  contentUri: z.string().min(1),
  contentCreated: z.string().refine((v) => !Number.isNaN(Date.parse(v)), { error: 'is not a date' }),
  contentExpiration: z.string().refine((v) => !Number.isNaN(Date.parse(v)), { error: 'is not a date' }),
});

export const contentListSchema = z.array(contentItemSchema);

const webhookSchema = z.object({
  address: z.string(),
  authId: z
    .string()
    .nullish()
    .transform((v) => v ?? undefined),
  expiration: z.string().nullish(),
  status: z.string().optional(),
});

export const subscriptionSchema = z.object({
  contentType: z.string(),
  // The reference's list sample omits `status` on one element (a doc artefact); read it as unknown.
  status: z.string().default('unknown'),
  webhook: webhookSchema.nullish().transform((v) => v ?? null),
});

export const subscriptionListSchema = z.array(subscriptionSchema);

/** Notifications are for diagnosing webhooks only; fields beyond the content item are kept as sent. */
export const notificationListSchema = z.array(z.looseObject({ contentId: z.string() }));

/** The reference's sample ends with an empty `{}`; items without id and name are dropped. */
export const dlpSensitiveTypesSchema = z
  .array(z.looseObject({ id: z.string().optional(), name: z.string().optional() }))
  .transform((items) =>
    items.flatMap((i) => (i.id !== undefined && i.name !== undefined ? [{ id: i.id, name: i.name }] : [])),
  );
