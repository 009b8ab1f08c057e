// A config's stored step profile (what `tinytrain profile` last measured) -> the per-layer shares
// the plan view shows. Reads the file beside the config; pure otherwise.
import type { StepProfile } from '../protocol/webview.js';
import { readProfile, type StoredProfile } from '../training/profile-store.js';

export function stepProfile(stored: StoredProfile | undefined, scheduleKey: string | undefined): StepProfile | null {
  if (!stored || !Array.isArray(stored.ops)) return null;
  const perStep = stored.instructionsPerStep ?? stored.cyclesPerStep ?? stored.msPerStep;
  if (perStep === undefined) return null;
  const byLayer = new Map<number, number>();
  let other = 0;
  for (const op of stored.ops) {
    if (op.layer === undefined) other += op.share;
    else byLayer.set(op.layer, (byLayer.get(op.layer) ?? 0) + op.share);
  }
  return {
    board: stored.board,
    unit: stored.instructionsPerStep !== undefined ? 'instructions' : stored.cyclesPerStep !== undefined ? 'cycles' : 'ms',
    perStep, steps: stored.steps, measuredAt: stored.measuredAt,
    current: scheduleKey !== undefined && stored.scheduleKey === scheduleKey,
    layers: [...byLayer].map(([layer, share]) => ({ layer, share })).sort((a, b) => b.share - a.share),
    otherShare: other,
  };
}

/** The stored profile of the config at `configPath` named `model`, for the plan view. */
export function configProfile(configPath: string, model: string, scheduleKey: string | undefined): StepProfile | null {
  return stepProfile(readProfile(configPath, model), scheduleKey);
}
