// What a tuning session may run within the file's budget, the same in `hyperbo tune` and the editor's Tune….

/** Without a budget, a session offers this many trials. */
export const DEFAULT_SESSION_TRIALS = 10;

/** Trials the budget leaves (≤ 0 when used up); undefined without a budget. */
export const budgetLeft = (budget: number | undefined, recorded: number): number | undefined =>
  budget === undefined ? undefined : budget - recorded;

/** A session's default length: the budget's remainder, else DEFAULT_SESSION_TRIALS. */
export const defaultSessionTrials = (left: number | undefined): number => Math.max(1, left ?? DEFAULT_SESSION_TRIALS);

/** What to do for more trials than the budget of `file` allows. */
export const raiseBudget = (file: string): string => `raise budget: in ${file} to run more.`;

/** The budget is used up; `remedy` says how to get more (default: raise it in `file`). */
export const budgetUsedUp = (budget: number, recorded: number, file: string, remedy = raiseBudget(file)): string =>
  `The budget of ${budget} trials is used up (${recorded} recorded); ${remedy}`;
