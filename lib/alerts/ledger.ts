import { z } from "zod";

/**
 * What subscribers have been told, kept beside the engine state. Alert decisions compare a run's
 * report with this ledger (not with the previous run), so a failed publish is simply retried.
 */
export const LedgerSchema = z.object({
  /** Per cluster: the last status announced as down (stalled/missing) and when, or up. */
  clusters: z.record(
    z.string(),
    z.object({
      down: z.boolean(),
      status: z.enum(["ok", "late", "stalled", "missing"]),
      notifiedAt: z.number().int(),
    }),
  ),
  /** Keys of findings already announced (overlap, partial, unlabeled, corrupt). */
  findings: z.array(z.string()),
  /** Clusters subscribers know about: a cluster outside it is announced as new. */
  knownClusters: z.array(z.string()),
});

export type Ledger = z.infer<typeof LedgerSchema>;
