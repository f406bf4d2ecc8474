/**
 * Serves the built web client (client-web/dist), the run's join information and the dashboard's
 * rounds feed on localhost or the LAN, with the headers the page needs: COOP/COEP (cross-origin isolation, so
 * onnxruntime-web can run multi-threaded wasm) and CORP on every response. Static files only,
 * GET/HEAD only, no directory listing, no path outside the root.
 */
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { dirname, extname, join, normalize, sep } from 'node:path'
import { DASHBOARD_PATH, type DashboardFeed } from './feed.js'
import { JOIN_PATH, type JoinInfo } from './join.js'

export const WEB_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
} as const

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
}

export class WebClientMissingError extends Error {
  override name = 'WebClientMissingError'
}

/** The built client's folder: `MURMUR_WEB_DIR`, or client-web/dist of this checkout/install. */
export async function webClientDir(explicit = process.env.MURMUR_WEB_DIR): Promise<string> {
  let dir = explicit
  if (!dir) {
    try {
      dir = join(dirname(createRequire(import.meta.url).resolve('@murmur/client-web/package.json')), 'dist')
    } catch {
      throw new WebClientMissingError(
        'The web client (@murmur/client-web) is not installed next to this node; set MURMUR_WEB_DIR to its dist folder.',
      )
    }
  }
  const index = await stat(join(dir, 'index.html')).catch(() => null)
  if (!index?.isFile())
    throw new WebClientMissingError(
      `The web client is not built (${join(dir, 'index.html')} is missing): run \`npx turbo run build\` or \`npm run build -w @murmur/client-web\`.`,
    )
  return dir
}

export interface WebServerInit {
  /** The built client (see webClientDir). */
  root: string
  /** Join information served at JOIN_PATH (a function: it may change as peers come and go). */
  join: () => JoinInfo
  /** The dashboard's rounds, served at DASHBOARD_PATH (404 without). */
  rounds?: () => DashboardFeed
  /** Default 127.0.0.1; 0.0.0.0 serves the LAN (a phone). */
  host?: string
  /** Default 0 (any free port). */
  port?: number
}

export interface WebServer {
  url: string
  port: number
  close(): Promise<void>
}

export async function serveWebClient(init: WebServerInit): Promise<WebServer> {
  const root = normalize(init.root)
  const server: Server = createServer((req, res) => {
    const send = (status: number, body: string, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { ...WEB_HEADERS, 'Content-Type': type, 'Cache-Control': 'no-store' })
      res.end(req.method === 'HEAD' ? undefined : body)
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'GET or HEAD only\n')
    let path: string
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname)
    } catch {
      return send(400, 'malformed path\n')
    }
    if (path === JOIN_PATH) {
      try {
        return send(200, JSON.stringify(init.join()), 'application/json')
      } catch (err) {
        return send(503, `join information unavailable: ${(err as Error).message}\n`)
      }
    }
    if (path === DASHBOARD_PATH) {
      if (!init.rounds) return send(404, 'this node serves no dashboard feed\n')
      return send(200, JSON.stringify(init.rounds()), 'application/json')
    }
    const file = normalize(join(root, path.endsWith('/') ? `${path}index.html` : path))
    if (file !== root && !file.startsWith(root + sep)) return send(403, 'outside the web root\n')
    stat(file)
      .then((s) => {
        if (!s.isFile()) return send(404, 'not found\n')
        res.writeHead(200, {
          ...WEB_HEADERS,
          'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
          'Content-Length': s.size,
          // hashed assets never change; the page and ort's fixed names are revalidated
          'Cache-Control': file.includes(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
        })
        if (req.method === 'HEAD') return res.end()
        createReadStream(file)
          .on('error', () => res.destroy())
          .pipe(res)
      })
      .catch(() => send(404, 'not found\n'))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(init.port ?? 0, init.host ?? '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  const host = init.host && init.host !== '0.0.0.0' ? init.host : '127.0.0.1'
  return {
    url: `http://${host}:${port}/`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
