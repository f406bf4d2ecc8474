/**
 * libp2p 3 calls `Promise.withResolvers`, which Node added in 22. murmur supports Node >= 20,
 * so every entry point imports this module first (DESIGN.md §7).
 */
interface PromiseWithResolversShim<T> {
  promise: Promise<T>
  resolve: (value: T | PromiseLike<T>) => void
  reject: (reason?: unknown) => void
}

const P = Promise as unknown as { withResolvers?: <T>() => PromiseWithResolversShim<T> }
if (typeof P.withResolvers !== 'function') {
  P.withResolvers = <T>(): PromiseWithResolversShim<T> => {
    let resolve!: PromiseWithResolversShim<T>['resolve']
    let reject!: PromiseWithResolversShim<T>['reject']
    const promise = new Promise<T>((res, rej) => {
      resolve = res
      reject = rej
    })
    return { promise, resolve, reject }
  }
}

export {}
