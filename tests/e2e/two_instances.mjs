// A second instance of the worker on shared storage, for the revocation e2e case
// (tests/e2e/revocation.rs): one Miniflare, two workers built from the same code, each in
// its own isolate (its own wasm instance, so its own token cache and revocation view),
// each on its own port, both bound to the same D1, KV and Durable Objects.
//
// Why one Miniflare and not two processes on the same persist directory: each workerd
// would run its own copy of a workspace's Durable Object over the same SQLite file, two
// live instances of what must be one; within one workerd the second worker binds the
// first's classes (`scriptName`), as two locations reach the same object in production.
//
//   node two_instances.mjs APP_DIR PERSIST_DIR PORT_A PORT_B   (MF_BINDINGS='{"NAME":"value"}')
//
// APP_DIR: a worker directory with a wrangler.toml and no [build] command (the harness's
// snapshot of the test build). Prints "Ready" once both answer; stops on SIGTERM.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Miniflare } from 'miniflare'
import { unstable_getMiniflareWorkerOptions } from 'wrangler'

const [appDir, persistDir, portA, portB] = process.argv.slice(2)
if (!appDir || !persistDir || !portA || !portB) throw new Error('usage: two_instances.mjs APP_DIR PERSIST_DIR PORT_A PORT_B')
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const wrangler = path.join(root, 'node_modules/.bin/wrangler')
const env = { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false' }

execFileSync(wrangler, ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persistDir], {
  cwd: appDir, env, stdio: ['ignore', 'ignore', 'inherit'],
})
const outdir = mkdtempSync(path.join(tmpdir(), 'two-instances-'))
execFileSync(wrangler, ['deploy', '--dry-run', '--outdir', outdir], { cwd: appDir, env, stdio: ['ignore', 'ignore', 'inherit'] })
const { workerOptions, main } = unstable_getMiniflareWorkerOptions(path.join(appDir, 'wrangler.toml'))
const entryName = path.basename(main).replace(/\.[cm]?[jt]s$/, '.js')
if (!readdirSync(outdir).includes(entryName)) throw new Error(`no ${entryName} in ${outdir}`)

const extra = process.env.MF_BINDINGS ? JSON.parse(process.env.MF_BINDINGS) : {}
const common = {
  ...workerOptions,
  bindings: { ...(workerOptions.bindings ?? {}), ...extra },
  modules: true,
  modulesRoot: outdir,
  scriptPath: path.join(outdir, entryName),
}
// The second worker: the first's Durable Object classes, no queue consumers (a queue has
// one consumer), the rest the same (same D1 and KV ids, so the same storage).
const durableObjects = Object.fromEntries(
  Object.entries(workerOptions.durableObjects ?? {}).map(([name, o]) => [name, { ...o, scriptName: 'a' }]),
)
const mf = new Miniflare({
  host: '127.0.0.1',
  port: 0,
  defaultPersistRoot: path.join(path.resolve(persistDir), 'v3'),
  workers: [
    { ...common, name: 'a', unsafeDirectSockets: [{ host: '127.0.0.1', port: Number(portA) }] },
    {
      ...common,
      name: 'b',
      durableObjects,
      queueConsumers: undefined,
      unsafeDirectSockets: [{ host: '127.0.0.1', port: Number(portB) }],
    },
  ],
})
await mf.ready
rmSync(outdir, { recursive: true, force: true })
for (const port of [portA, portB]) {
  const r = await fetch(`http://127.0.0.1:${port}/v1/health`)
  if (r.status !== 200) throw new Error(`instance on ${port} answered ${r.status}`)
}
console.log('Ready')

const stop = () => mf.dispose().finally(() => process.exit(0))
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
