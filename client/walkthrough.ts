// The walkthrough's "done" states (package.json contributes.walkthroughs): each step completes
// on a context key set here when the user really did the thing: a config in the editor, its
// analysis shown (the code lens's peak), a plan view edit, a run on a board streaming steps, a
// dashboard showing a run's loss, a CSV exported. VS Code remembers a completed step itself.

import * as vscode from 'vscode';

export const WALKTHROUGH_ID = 'tinytrain.tinytrain#firstHour';

/** The walkthrough's steps that complete on a context key `tinytrain.walkthrough.<step>`. */
export type WalkthroughStep = 'configOpen' | 'sawPeak' | 'editedPlan' | 'trainedOnBoard' | 'watchedLoss' | 'exportedCsv';

export class WalkthroughProgress {
  private readonly done = new Set<WalkthroughStep>();

  mark(step: WalkthroughStep): void {
    if (this.done.has(step)) return;
    this.done.add(step);
    void vscode.commands.executeCommand('setContext', `tinytrain.walkthrough.${step}`, true);
  }
}
