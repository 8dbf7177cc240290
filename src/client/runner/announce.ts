// The status bar message after Run Trial / Apply and Run: "trial N started" (or queued) until the run ends, not
// for a fixed time after it — a trial that finishes in two seconds must not still read "started".
export interface Disposable {
  dispose(): void;
}

/** Shows `HyperBO: trial N started|queued` through `show` and removes it when `ended` settles. */
export function announceRun(show: (text: string) => Disposable, trialId: number, state: 'started' | 'queued', ended: Promise<unknown>): Disposable {
  const message = show(`HyperBO: trial ${trialId} ${state}`);
  const hide = () => message.dispose();
  void ended.then(hide, hide);
  return message;
}
