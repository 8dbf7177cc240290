// The part of plotly's API the panels use (the strict bundle ships no types).
declare module 'plotly.js-strict-dist-min' {
  interface PlotlyStatic {
    react(root: HTMLElement, data: unknown[], layout: Record<string, unknown>, config?: Record<string, unknown>): Promise<HTMLElement>;
    purge(root: HTMLElement): void;
    Plots: { resize(root: HTMLElement): Promise<void> | void };
  }
  const Plotly: PlotlyStatic;
  export default Plotly;
}
