import { z } from "zod";

/**
 * What subscribers have been told, kept beside the engine state. Alert decisions compare a run's
 * report with this ledger (not with the previous run), so a failed publish is simply retried: the
 * caller saves the ledger that follows a notification only once the notification was published.
 *
 * Clusters are a list, not a record keyed by name: names come from other people's configs and a
 * cluster called `__proto__` must not vanish into an object's prototype.
 */
export const ClusterNoticeSchema = z.object({
  cluster: z.string(),
  /**
   * Null: subscribers see the cluster as up (ok or late, or first seen healthy). Otherwise what they
   * were told: down since `since` (the verdict's ISO time when first announced), paged at `pagedAt`
   * (ms; reminder k is due at pagedAt + k × remindEvery), last told at `notifiedAt` (ms).
   */
  down: z
    .object({
      status: z.enum(["stalled", "missing"]),
      since: z.string(),
      /**
       * Absent in ledgers saved before reminders were anchored on the page: `notifiedAt` (the last
       * notice) stands in, so such a ledger's next reminder comes when it always would have.
       */
      pagedAt: z.number().int().optional(),
      notifiedAt: z.number().int(),
    })
    .nullable(),
});

/** Subscribers were told that blockwatch itself cannot read the bucket. */
export const BucketFailureNoticeSchema = z.object({
  kind: z.string(),
  /**
   * ms: the first failed run (also the first notice: the ledger only advances once it is published;
   * reminder k is due at since + k × remindEvery), and the last notice.
   */
  since: z.number().int(),
  notifiedAt: z.number().int(),
});

export const LedgerSchema = z.object({
  /**
   * Every cluster of the last decided report: a cluster outside it is announced as new. Null when
   * no report was decided yet (only a bucket failure was announced): the first report starts it silently.
   */
  clusters: z.array(ClusterNoticeSchema).nullable(),
  /** Keys of findings already announced (see findingKey); forgotten once they leave the report. */
  findings: z.array(z.string()),
  bucketFailure: BucketFailureNoticeSchema.nullable().default(null),
});

export type ClusterNotice = z.infer<typeof ClusterNoticeSchema>;
export type Ledger = z.infer<typeof LedgerSchema>;
export type BucketFailureNotice = z.infer<typeof BucketFailureNoticeSchema>;
