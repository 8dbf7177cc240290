// Finds a trial's entry in an experiment file (for Reveal in File). Uses the yaml package directly: the
// client may not import the server's formats module.
import { isMap, isScalar, isSeq, parseDocument } from 'yaml';

/** Offsets [start, end) of the trial with this id under `trials:`, or undefined. */
export function findTrialOffsets(text: string, trialId: number): { start: number; end: number } | undefined {
  const doc = parseDocument(text, { keepSourceTokens: false, uniqueKeys: false });
  const trials = isMap(doc.contents) ? doc.contents.get('trials', true) : undefined;
  if (!isSeq(trials)) return undefined;
  for (const item of trials.items) {
    if (!isMap(item)) continue;
    const id = item.get('id', true);
    if (isScalar(id) && Number(id.value) === trialId && item.range) return { start: item.range[0], end: item.range[1] };
  }
  return undefined;
}
