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
   * were told: down since `since` (the verdict's ISO time when first announced), last told at
   * `notifiedAt` (ms; a reminder is due `remindEvery` after it).
   */
  down: z
    .object({
      status: z.enum(["stalled", "missing"]),
      since: z.string(),
      notifiedAt: z.number().int(),
    })
    .nullable(),
});

export const LedgerSchema = z.object({
  /** Every cluster of the last decided report: a cluster outside it is announced as new. */
  clusters: z.array(ClusterNoticeSchema),
  /** Keys of findings already announced (see findingKey); forgotten once they leave the report. */
  findings: z.array(z.string()),
});

export type ClusterNotice = z.infer<typeof ClusterNoticeSchema>;
export type Ledger = z.infer<typeof LedgerSchema>;
