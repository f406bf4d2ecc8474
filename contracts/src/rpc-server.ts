/**
 * A minimal Ethereum JSON-RPC endpoint over HTTP (what `hardhat node` serves): POST a request
 * object or a batch array, get the response(s) back. Browsers may call it (CORS is open), since
 * the web client talks to the local chain too.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { JsonRpcHandler } from './edr.js'
import { LocalChainError } from './errors.js'

export interface JsonRpcServerInit {
  host: string
  /** 0 picks a free port. */
  port: number
  /** Largest request body; a contract deployment is a few tens of KiB. */
  maxBodyBytes?: number
}

export interface JsonRpcServer {
  url: string
  port: number
  close(): Promise<void>
}

type Id = string | number | null
interface JsonRpcRequest {
  jsonrpc?: string
  id?: Id
  method?: unknown
  params?: unknown
}

const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024

function rpcError(id: Id, code: number, message: string): Record<string, unknown> {
  return { jsonrpc: '2.0', id, error: { code, message } }
}

async function answer(handler: JsonRpcHandler, request: unknown): Promise<Record<string, unknown>> {
  const req = request as JsonRpcRequest
  const id: Id = req !== null && typeof req === 'object' && req.id !== undefined ? req.id : null
  if (req === null || typeof req !== 'object' || typeof req.method !== 'string') {
    return rpcError(id, -32600, 'Invalid request: expected an object with a string "method".')
  }
  try {
    const data = JSON.parse(
      await handler(JSON.stringify({ jsonrpc: '2.0', id: id ?? 0, method: req.method, params: req.params ?? [] })),
    ) as Record<string, unknown>
    return { jsonrpc: '2.0', id, ...data }
  } catch (err) {
    return rpcError(id, -32603, `Internal error while handling ${req.method}: ${err instanceof Error ? err.message : String(err)}`)
  }
}

function readBody(req: IncomingMessage, maxBytes: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > maxBytes) {
        resolve(undefined)
        req.destroy()
      } else chunks.push(chunk)
    })
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

/** Serves `handler` on http://host:port until `close()`. */
export async function serveJsonRpc(handler: JsonRpcHandler, init: JsonRpcServerInit): Promise<JsonRpcServer> {
  const maxBodyBytes = init.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES
  const server = createServer(async (req, res) => {
    res.setHeader('access-control-allow-origin', '*')
    res.setHeader('access-control-allow-methods', 'POST, OPTIONS')
    res.setHeader('access-control-allow-headers', 'content-type')
    if (req.method === 'OPTIONS') {
      res.writeHead(204).end()
      return
    }
    if (req.method !== 'POST') {
      send(res, 405, rpcError(null, -32600, 'This is a JSON-RPC endpoint: POST a JSON-RPC request.'))
      return
    }
    const body = await readBody(req, maxBodyBytes).catch(() => undefined)
    if (body === undefined) {
      send(res, 413, rpcError(null, -32600, `Request body over ${maxBodyBytes} bytes.`))
      return
    }
    let parsed: unknown
    try {
      parsed = JSON.parse(body)
    } catch {
      send(res, 400, rpcError(null, -32700, 'Parse error: the body is not JSON.'))
      return
    }
    // a batch is answered in order, one request at a time, so its transactions keep their order
    if (Array.isArray(parsed)) {
      const out: Record<string, unknown>[] = []
      for (const r of parsed) out.push(await answer(handler, r))
      send(res, 200, out)
    } else send(res, 200, await answer(handler, parsed))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const why =
        err.code === 'EADDRINUSE' ? 'the port is in use; stop the other process or pick another port (0 picks a free one)' : err.message
      reject(new LocalChainError(`Cannot serve JSON-RPC on ${init.host}:${init.port}: ${why}.`, { ...init }, { cause: err }))
    })
    server.listen(init.port, init.host, () => resolve())
  })
  const { port } = server.address() as AddressInfo
  const host = init.host.includes(':') ? `[${init.host}]` : init.host
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
