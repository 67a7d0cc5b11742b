import type { Rule } from "../rule";
import { compactor } from "./compactor";
import { conflicts } from "./conflicts";
import { corrupt } from "./corrupt";
import { coverage } from "./coverage";
import { degraded } from "./degraded";
import { freshness } from "./freshness";
import { gaps } from "./gaps";
import { newClusters } from "./new-clusters";
import { overlaps } from "./overlaps";
import { partial } from "./partial";
import { retention } from "./retention";
import { unlabeled } from "./unlabeled";

/**
 * Every health rule, in the order they report: freshness writes the cluster verdicts that later
 * rules read or annotate. Adding a rule: one file beside these, one line here, its tests.
 */
export const RULES: readonly Rule<any>[] = [coverage, freshness, overlaps, partial, corrupt, unlabeled, newClusters, compactor, retention, conflicts, degraded, gaps];
