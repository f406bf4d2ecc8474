/**
 * The reward curve with sample accuracy (this tab's rollouts) and held-out greedy accuracy (where
 * the serving node evaluated a round), uPlot: small, fast, no framework. Missing points are gaps.
 */
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'

export interface Curve {
  push(round: number, reward: number, sampleAccuracy: number | null, heldOutAccuracy?: number | null): void
}

export function rewardCurve(el: HTMLElement): Curve {
  const data: [number[], (number | null)[], (number | null)[], (number | null)[]] = [[], [], [], []]
  const plot = new uPlot(
    {
      width: Math.max(280, el.clientWidth),
      height: 220,
      scales: { x: { time: false }, y: { range: [0, 1] } },
      axes: [{ label: 'round', incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] }, {}],
      series: [
        { label: 'round' },
        { label: 'reward', stroke: '#3b6fd8', width: 2 },
        { label: 'sample accuracy', stroke: '#2e7d32', width: 2 },
        { label: 'held-out accuracy', stroke: '#c2410c', width: 2, spanGaps: true, points: { show: true, size: 6 } },
      ],
    },
    data,
    el,
  )
  new ResizeObserver(() => plot.setSize({ width: Math.max(280, el.clientWidth), height: 220 })).observe(el)
  return {
    push(round, reward, sampleAccuracy, heldOutAccuracy = null) {
      data[0].push(round)
      data[1].push(reward)
      data[2].push(sampleAccuracy)
      data[3].push(heldOutAccuracy)
      plot.setData(data as uPlot.AlignedData)
    },
  }
}
