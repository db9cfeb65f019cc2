// Serve a worker from one workerd process through Miniflare, without what `wrangler dev` puts
// in front of it (a second workerd running its ProxyWorker and InspectorProxyWorker, and
// per-request logging through Node). Works for any worker directory with a wrangler.toml,
// ours in Rust included:
//
//   [MF_BINDINGS='{"NAME":"value"}'] node serve-miniflare.mjs [WORKER_DIR=.] [PORT=8788] [PERSIST_DIR=WORKER_DIR/.wrangler/state]
//
// Bindings come from wrangler's own reading of wrangler.toml, the code from
// `wrangler deploy --dry-run` (which runs the [build] command first, as `wrangler dev` does).
// PERSIST_DIR has the layout of `wrangler dev --persist-to`, so
// `wrangler d1 migrations apply DB --local --persist-to PERSIST_DIR` prepares it.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Miniflare } from 'miniflare'
import { unstable_getMiniflareWorkerOptions } from 'wrangler'

const [dir = '.', port = '8788', persist] = process.argv.slice(2)
const workerDir = path.resolve(dir)
const persistDir = path.resolve(persist ?? path.join(workerDir, '.wrangler/state'))
const wrangler = process.env.WRANGLER_BIN ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'node_modules/.bin/wrangler')

const outdir = mkdtempSync(path.join(tmpdir(), 'bench-bundle-'))
execFileSync(wrangler, ['deploy', '--dry-run', '--outdir', outdir], {
  cwd: workerDir,
  stdio: ['ignore', 'ignore', 'inherit'],
})
const { workerOptions, main } = unstable_getMiniflareWorkerOptions(path.join(workerDir, 'wrangler.toml'))
// The bundle keeps the entry's base name with a .js extension (src/index.ts -> index.js).
const entryName = path.basename(main).replace(/\.[cm]?[jt]s$/, '.js')
if (!readdirSync(outdir).includes(entryName)) throw new Error(`no ${entryName} in ${outdir}`)

// Extra plain-text bindings (secrets such as ADMIN_TOKEN, or overrides of [vars]) as a JSON
// object in MF_BINDINGS, the way `wrangler dev --var NAME:VALUE` would give them.
const extra = process.env.MF_BINDINGS ? JSON.parse(process.env.MF_BINDINGS) : {}
const mf = new Miniflare({
  ...workerOptions,
  bindings: { ...(workerOptions.bindings ?? {}), ...extra },
  name: 'worker',
  modules: true,
  modulesRoot: outdir,
  scriptPath: path.join(outdir, entryName),
  host: '127.0.0.1',
  port: Number(port),
  defaultPersistRoot: path.join(persistDir, 'v3'),
  // BENCH_PROFILE (bench.mjs): a DevTools inspector to record CPU profiles from.
  ...(process.env.MF_INSPECTOR_PORT ? { inspectorPort: Number(process.env.MF_INSPECTOR_PORT) } : {}),
})
const url = await mf.ready
rmSync(outdir, { recursive: true, force: true }) // workerd has the code now
console.log(`Ready on ${url}`)

const stop = () => mf.dispose().finally(() => process.exit(0))
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
