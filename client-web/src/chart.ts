/** The reward / sample-accuracy curve (uPlot: small, fast, no framework). */
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'

export interface Curve {
  push(round: number, reward: number, accuracy: number): void
}

export function rewardCurve(el: HTMLElement): Curve {
  const data: [number[], number[], number[]] = [[], [], []]
  const plot = new uPlot(
    {
      width: Math.max(280, el.clientWidth),
      height: 220,
      scales: { x: { time: false }, y: { range: [0, 1] } },
      axes: [{ label: 'round', incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] }, {}],
      series: [{ label: 'round' }, { label: 'reward', stroke: '#3b6fd8', width: 2 }, { label: 'accuracy', stroke: '#2e7d32', width: 2 }],
    },
    data,
    el,
  )
  new ResizeObserver(() => plot.setSize({ width: Math.max(280, el.clientWidth), height: 220 })).observe(el)
  return {
    push(round, reward, accuracy) {
      data[0].push(round)
      data[1].push(reward)
      data[2].push(accuracy)
      plot.setData(data)
    },
  }
}
