import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** A time-series line chart (uPlot, chosen by measurement: ADR 0017). x in epoch seconds. */
export function lineChart(
  target: HTMLElement,
  x: number[],
  series: { label: string; values: (number | null)[]; className: string }[],
  width: number,
): uPlot {
  const colours: Record<string, string> = { gbp: '#1f5fa8', eur: '#b04a00', usd: '#2d7a3a' };
  return new uPlot(
    {
      width,
      height: 260,
      series: [
        {},
        ...series.map((s) => ({ label: s.label, stroke: colours[s.className] ?? '#333', width: 1.5 })),
      ],
      axes: [{}, { size: 70 }],
    },
    [x, ...series.map((s) => s.values)] as uPlot.AlignedData,
    target,
  );
}
