import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DASHBOARD_PATH, RoundFeed } from './feed.js'
import { JOIN_PATH, type JoinInfo } from './join.js'
import { serveWebClient, WebClientMissingError, type WebServer, webClientDir } from './serve.js'

let root: string
let web: WebServer
const feed = new RoundFeed()
const info = { v: 1, runId: `0x${'ab'.repeat(32)}`, manifest: '0x00', bootstrap: [] } as unknown as JoinInfo

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'murmur-web-'))
  root = join(dir, 'dist')
  mkdirSync(join(root, 'assets'), { recursive: true })
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>murmur</title>')
  writeFileSync(join(root, 'assets', 'a-123.wasm'), new Uint8Array([0, 97, 115, 109]))
  writeFileSync(join(dir, 'secret.txt'), 'SECRET-CONTENT')
  feed.record({ round: 1, reward: 0.25, accuracy: 0.4, policyHash: `0x${'01'.repeat(32)}`, included: 3, contributions: null })
  web = await serveWebClient({ root, join: () => info, rounds: () => feed.snapshot() })
})
afterAll(() => web?.close())

/** Raw HTTP (fetch would normalise `..` away before it reaches the server). */
function get(path: string, method = 'GET'): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: web.port, path, method }, (res) => {
      let body = ''
      res.on('data', (c) => {
        body += c
      })
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('web client server', () => {
  it('serves the dashboard feed as JSON, cross-origin isolated, and 404 when a server has none', async () => {
    const r = await get(DASHBOARD_PATH)
    expect(r.status).toBe(200)
    expect(r.headers['content-type']).toBe('application/json')
    expect(r.headers['cross-origin-embedder-policy']).toBe('require-corp')
    expect(JSON.parse(r.body).peers).toEqual([])
    expect(JSON.parse(r.body).rounds).toEqual([
      { round: 1, reward: 0.25, accuracy: 0.4, policyHash: `0x${'01'.repeat(32)}`, included: 3, contributions: null },
    ])
    const bare = await serveWebClient({ root, join: () => info })
    try {
      const res = await fetch(new URL(DASHBOARD_PATH, bare.url))
      expect(res.status).toBe(404)
    } finally {
      await bare.close()
    }
  })

  it('serves the page and assets cross-origin isolated, with their types', async () => {
    const page = await get('/')
    expect(page.status).toBe(200)
    expect(page.body).toContain('murmur')
    expect(page.headers).toMatchObject({
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
      'content-type': 'text/html; charset=utf-8',
    })
    const wasm = await get('/assets/a-123.wasm')
    expect(wasm.headers['content-type']).toBe('application/wasm')
    expect(wasm.headers['cache-control']).toMatch(/immutable/)
  })

  it('serves the join information', async () => {
    const r = await get(JOIN_PATH)
    expect(r.status).toBe(200)
    expect(JSON.parse(r.body)).toEqual(info)
  })

  it('refuses paths outside the root, other methods, missing files and malformed paths', async () => {
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/../../secret.txt', '/..%2fsecret.txt']) {
      const r = await get(path)
      expect([400, 403, 404], path).toContain(r.status)
      expect(r.body, path).not.toContain('SECRET-CONTENT')
    }
    expect((await get('/', 'POST')).status).toBe(405)
    expect((await get('/nope.js')).status).toBe(404)
    expect((await get('/assets')).status).toBe(404)
    expect((await get('/%E0%A4%A')).status).toBe(400)
  })

  it('says how to build the client when it is missing', async () => {
    await expect(webClientDir(join(root, 'nowhere'))).rejects.toThrow(WebClientMissingError)
    await expect(webClientDir(join(root, 'nowhere'))).rejects.toThrow(/npx turbo run build/)
    expect(await webClientDir(root)).toBe(root)
  })
})
