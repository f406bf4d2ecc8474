/**
 * Headless Debian chromium through playwright-core (no tool downloads a browser here): a fresh
 * profile, loopback only, no background traffic to Google's hosts (DESIGN.md §7).
 */
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Browser, chromium } from 'playwright-core'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** test/artifacts: screenshots CI keeps. */
export const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url))

export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`No chromium at ${CHROMIUM}: install Debian's (apt-get install chromium) or set CHROMIUM_PATH. .ci/run installs it.`)
  mkdirSync(ARTIFACTS, { recursive: true })
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  })
}

export const artifact = (name: string) => join(ARTIFACTS, name)
