import type { Study } from '../../../src/engine/study';

/** Asks one suggestion at a time, `rounds` times, telling each f(x) (a space with one parameter, x); returns them. */
export function askAndTell(study: Study, rounds: number, f: (x: number) => number): ReturnType<Study['ask']> {
  const suggestions: ReturnType<Study['ask']> = [];
  for (let k = 0; k < rounds; k++) {
    const [s] = study.ask(1);
    suggestions.push(s!);
    study.tell(s!.trialId, f(s!.config.x as number));
  }
  return suggestions;
}
