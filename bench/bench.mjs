// `make bench`: serves the release worker from one workerd through Miniflare (no wrangler
// dev proxy, no inspector), seeds it, and drives each scenario with wrk: 20 connections,
// a warm-up, then a measured run. Prints req/s, p50/p99, non-2xx and the worker's CPU per
// request (utime+stime of its workerd from /proc), the wasm size, and, when the Hono peer
// is available, the same numbers for it and our/peer ratios. Only ratios from one run
// count: these machines are noisy.
//
//   BENCH_DURATION=10   seconds per measured run (warm-up: a third of it, at least 1 s)
//   BENCH_SMOKE=1       1 s runs, scenario errors fail, timings never do (make test)
//   PEER_DIR=path       the peer (default ../shared/peer-hono when it exists; "none" skips)
//   BENCH_OUT=path      JSON results (default bench/last-run.json)
//   BENCH_SCENARIOS=health,list   run only these (default: all)
//   BENCH_ROUNDS=3      each scenario 3 times (ours and the peer, who goes first alternating);
//                       figures are medians
//   BENCH_PROFILE=dir   also record a DevTools CPU profile of our worker for each measured run
//                       (dir/<scenario>.cpuprofile) and print the top functions by self time;
//                       the inspector slows the worker, so timings of such a run do not count
import { execFileSync, spawn } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, statSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '..')
const bin = (name) => path.join(root, 'node_modules/.bin', name)
const SMOKE = process.env.BENCH_SMOKE === '1'
const DURATION = SMOKE ? 1 : Number(process.env.BENCH_DURATION ?? 10)
const WARMUP = SMOKE ? 1 : Math.max(1, Math.round(DURATION / 3))
const CONNECTIONS = 20
const defaultPeer = path.resolve(root, '../shared/peer-hono')
const PEER_DIR = process.env.PEER_DIR === 'none' ? null : process.env.PEER_DIR ?? (existsSync(defaultPeer) ? defaultPeer : null)
const OUT = process.env.BENCH_OUT ?? path.join(here, 'last-run.json')
const ADMIN = 'bench-admin-token'
const env = { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false', VSCODE_INSPECTOR_OPTIONS: 'off' }
const scratch = mkdtempSync(path.join(tmpdir(), 'weav-bench-'))
env.WRANGLER_LOG_PATH = path.join(scratch, 'logs')
const children = []

function cleanup() {
  for (const c of children) {
    try { process.kill(-c.pid, 'SIGTERM') } catch {}
  }
  rmSync(scratch, { recursive: true, force: true })
}
process.on('exit', cleanup)
process.on('SIGINT', () => process.exit(130))

const run = (cmd, args, opts = {}) => String(execFileSync(cmd, args, { env, stdio: ['ignore', 'pipe', 'inherit'], ...opts }) ?? '')

async function serve(workerDir, port, persist, serveScript, bindings, inspectorPort) {
  const child = spawn('node', [serveScript, workerDir, String(port), persist], {
    env: { ...env, MF_BINDINGS: JSON.stringify(bindings ?? {}), ...(inspectorPort ? { MF_INSPECTOR_PORT: String(inspectorPort) } : {}) },
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  })
  children.push(child)
  await new Promise((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (d) => {
      out += d
      if (out.includes('Ready on')) resolve()
    })
    child.on('exit', (code) => reject(new Error(`server for ${workerDir} exited with ${code}`)))
  })
  // The workerd that runs the worker is the serve process's child.
  const pid = run('ps', ['-o', 'pid=,comm=', '--ppid', String(child.pid)])
    .split('\n').map((l) => l.trim().split(/\s+/)).find(([, comm]) => comm === 'workerd')?.[0]
  if (!pid) throw new Error('no workerd under the serve process')
  return { base: `http://127.0.0.1:${port}`, pid: Number(pid), inspectorPort }
}

// ---- BENCH_PROFILE: the DevTools protocol on Miniflare's inspector -----------------------
const PROFILE_DIR = process.env.BENCH_PROFILE ? path.resolve(process.env.BENCH_PROFILE) : null
async function inspector(port) {
  const { default: WebSocket } = await import('ws')
  const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()
  const target = targets.find((t) => t.title === 'worker' || t.id === 'worker') ?? targets[0]
  const ws = new WebSocket(target.webSocketDebuggerUrl)
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject) })
  let id = 0
  const pending = new Map()
  ws.on('message', (data) => {
    const msg = JSON.parse(data)
    if (msg.id && pending.has(msg.id)) { pending.get(msg.id)(msg); pending.delete(msg.id) }
  })
  const send = (method, params = {}) => new Promise((resolve) => {
    pending.set(++id, resolve)
    ws.send(JSON.stringify({ id, method, params }))
  })
  await send('Profiler.enable')
  await send('Profiler.setSamplingInterval', { interval: 100 })
  return { send, close: () => ws.close() }
}

function topSelf(profile, n = 30) {
  const dt = new Map() // node id -> sampled microseconds
  const { samples, timeDeltas } = profile
  for (let i = 0; i < samples.length; i++) dt.set(samples[i], (dt.get(samples[i]) ?? 0) + (timeDeltas[i] ?? 0))
  const by = new Map()
  let total = 0
  for (const node of profile.nodes) {
    const t = dt.get(node.id) ?? 0
    total += t
    const cf = node.callFrame
    const key = `${cf.functionName || '(anonymous)'} ${cf.url ? path.basename(cf.url) : ''}`.trim()
    by.set(key, (by.get(key) ?? 0) + t)
  }
  return [...by.entries()].sort((a, b) => b[1] - a[1]).slice(0, n)
    .map(([k, t]) => `${((100 * t) / total).toFixed(1).padStart(5)}%  ${k}`).join('\n')
}

function cpuTicks(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return Number(fields[11]) + Number(fields[12]) // utime + stime, in clock ticks
}
const TICK_MS = 1000 / Number(run('getconf', ['CLK_TCK']).trim() || 100)

async function api(base, method, p, token, body) {
  const r = await fetch(base + p, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await r.text()
  if (!r.ok) throw new Error(`${method} ${p}: ${r.status} ${text}`)
  return text ? JSON.parse(text) : null
}

function luaScript(name, { method = 'GET', path: p, token, body }) {
  const file = path.join(scratch, `${name}.lua`)
  const headers = `{["Authorization"]="Bearer ${token ?? ''}", ["Content-Type"]="application/json"}`
  let lua
  if (body?.freshKey) {
    // The execute scenario with a new Idempotency-Key on every request (its cost
    // is one Durable Object round trip before and one after the work).
    lua = `local counter = 0
local prefix = ""
local b = '${JSON.stringify(body.freshKey)}'
function setup(thread) thread:set("tid", tostring(math.random(1, 2000000000))) end
function init(args) prefix = tid .. "-" .. tostring(os.time()) end
function request()
  counter = counter + 1
  return wrk.format("POST", "${p}", {["Authorization"]="Bearer ${token ?? ''}", ["Content-Type"]="application/json", ["Idempotency-Key"]="bench-" .. prefix .. "-" .. counter}, b)
end`
  } else if (body === 'unique-agent') {
    lua = `local counter = 0
local prefix = ""
function setup(thread) thread:set("tid", tostring(math.random(1, 2000000000))) end
function init(args) prefix = tid .. "-" .. tostring(os.time()) end
function request()
  counter = counter + 1
  local b = '{"uid":"bench-' .. prefix .. '-' .. counter .. '","name":"Bench agent","provider":"openai","model":"gpt-4.1-mini","instructions":"Answer billing questions briefly.","tags":["bench"]}'
  return wrk.format("POST", "${p}", ${headers}, b)
end`
  } else {
    const b = body === undefined ? 'nil' : `'${JSON.stringify(body)}'`
    // Built in init(): wrk fills in the Host header only after the script's top level ran.
    lua = `local req
function init(args) req = wrk.format("${method}", "${p}", ${headers}, ${b}) end
function request() return req end`
  }
  writeFileSync(file, lua)
  return file
}

function parseWrk(out) {
  const unit = (v, u) => Number(v) * ({ us: 0.001, ms: 1, s: 1000, m: 60000 }[u] ?? 1)
  const pct = (p) => {
    const m = out.match(new RegExp(`\\s${p}%\\s+([\\d.]+)(us|ms|s|m)`))
    return m ? unit(m[1], m[2]) : null
  }
  const num = (re) => Number(out.match(re)?.[1] ?? 0)
  return {
    rps: num(/Requests\/sec:\s+([\d.]+)/),
    requests: num(/(\d+) requests in/),
    p50: pct(50),
    p99: pct(99),
    non2xx: num(/Non-2xx or 3xx responses:\s+(\d+)/),
    socketErrors: (out.match(/Socket errors:.*?(\d+).*?(\d+).*?(\d+).*?(\d+)/) ?? []).slice(1).reduce((a, b) => a + Number(b), 0),
    socketDetail: out.match(/Socket errors:.*$/m)?.[0] ?? null,
  }
}

// wrk runs as a child process without blocking this event loop: the mock upstream of the
// execute scenario lives in this process and must keep answering.
function runAsync(cmd, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited with ${code}`))))
  })
}

// One request of the scenario, to show the size of what it answers (ours and the peer's
// agents differ in fields: seed 002's whole object against the peer's twelve columns).
async function responseBytes(target, s) {
  if (s.body !== undefined) return null
  const r = await fetch(target.base + s.path, { headers: { Authorization: `Bearer ${s.token ?? ''}` } })
  return (await r.arrayBuffer()).byteLength
}

async function wrk(target, script) {
  // --timeout 10s: a slow answer is latency (p99 shows it), not a socket error.
  const args = ['-t2', `-c${CONNECTIONS}`, '--latency', '--timeout', '10s', '-s', script]
  await runAsync('wrk', [...args, `-d${WARMUP}s`, target.base + '/'])
  const prof = PROFILE_DIR && target.inspectorPort ? await inspector(target.inspectorPort) : null
  if (prof) await prof.send('Profiler.start')
  const before = cpuTicks(target.pid)
  const out = await runAsync('wrk', [...args, `-d${DURATION}s`, target.base + '/'])
  const ticks = cpuTicks(target.pid) - before
  if (prof) {
    const { result } = await prof.send('Profiler.stop')
    prof.close()
    mkdirSync(PROFILE_DIR, { recursive: true })
    writeFileSync(path.join(PROFILE_DIR, `${script.replace(/.*\//, '').replace(/\.lua$/, '')}.cpuprofile`), JSON.stringify(result.profile))
    console.log(`\n${topSelf(result.profile)}`)
  }
  const r = parseWrk(out)
  r.cpuMsPerReq = r.requests ? (ticks * TICK_MS) / r.requests : null
  // The workerd's resident memory after the run: a leak shows as growth round after round.
  r.rssKb = Number(readFileSync(`/proc/${target.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)?.[1] ?? 0)
  return r
}

// ---- our worker ------------------------------------------------------------------------
console.log('building and serving the release worker...')
run('make', ['-s', 'build'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] })
const oursState = path.join(scratch, 'ours')
run(bin('wrangler'), ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', oursState], { cwd: root })
const mock = createServer((req, res) => {
  req.resume()
  req.on('end', () => {
    res.writeHead(200, { 'Content-Type': 'application/json' })
    res.end('{"ok":true,"source":"bench mock"}')
  })
})
await new Promise((r) => mock.listen(0, '127.0.0.1', r))
const mockUrl = `http://127.0.0.1:${mock.address().port}`
const ours = await serve(root, 8790, oursState, path.join(here, 'serve-miniflare.mjs'), {
  ADMIN_TOKEN: ADMIN,
  CREDENTIALS_KEY: 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=',
  ALLOW_PRIVATE_UPSTREAMS: 'true',
}, PROFILE_DIR ? 9229 : undefined)

async function tenant(name) {
  // Limits high enough that the benchmark measures work, not 429s (nor 403s once `create`
  // passes the enterprise plan's 1,000 agents).
  const ws = await api(ours.base, 'POST', '/admin/v1/workspaces', ADMIN, {
    name, plan: 'enterprise', rate_limit: { limit: 1000000, window_seconds: 1 }, monthly_action_quota: 1000000000000,
    storage_quotas: { agents: 1000000000 },
  })
  const t = await api(ours.base, 'POST', `/admin/v1/workspaces/${ws.id}/tokens`, ADMIN, { name: 'bench' })
  return { id: ws.id, token: t.token }
}

console.log('seeding: 1,000 agents, and 100,000 in a second workspace...')
const main = await tenant('bench')
for (let start = 0; start < 1000; start += 50) {
  await Promise.all(Array.from({ length: 50 }, (_, k) => api(ours.base, 'POST', '/v1/agents', main.token, {
    uid: `seed-agent-${start + k}`, name: `Seed agent ${start + k}`, provider: 'openai', model: 'gpt-4.1-mini',
    instructions: 'You answer support questions about billing and accounts. Be brief, friendly and precise; hand over to a human when the customer asks for a refund.',
    tags: ['support', `tier-${(start + k) % 3}`], metadata: { color: 'blue', shard: (start + k) % 7 },
  })))
}
const big = await tenant('bench-100k')
const want = (name) => !process.env.BENCH_SCENARIOS || process.env.BENCH_SCENARIOS.split(',').includes(name)
if (want('list-100k')) {
const now = new Date().toISOString()
run(bin('wrangler'), ['d1', 'execute', 'DB', '--local', '--persist-to', oursState, '--command',
  `INSERT INTO agents (workspace_id, uid, name, provider, model, instructions, tags, metadata, created_at, updated_at)
   WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 99999)
   SELECT ${big.id}, 'bulk-' || i, 'Bulk agent ' || i, 'openai', 'gpt-4.1-mini', 'You answer support questions.',
          '["support"]', '{"color":"blue"}', '${now}', '${now}' FROM n`], { cwd: root })
const bigCount = (await api(ours.base, 'GET', '/v1/agents?count_only=true', big.token)).count
if (bigCount !== 100000) throw new Error(`the 100k workspace has ${bigCount} agents`)
}
const creator = await tenant('bench-create')

const scenarios = {
  health: { path: '/v1/health' },
  list: { path: '/v1/agents?take=25', token: main.token },
  get: { path: '/v1/agents/seed-agent-500', token: main.token },
  'list-100k': { path: '/v1/agents?take=25', token: big.token },
  execute: {
    method: 'POST', path: '/v1/actions/execute', token: main.token,
    body: { pieceName: 'http', actionName: 'send_request', input: { method: 'GET', url: `${mockUrl}/bench` } },
  },
  // The same action through the MCP endpoint: the JSON-RPC layer's cost over execute.
  'mcp-call': {
    method: 'POST', path: '/v1/mcp', token: main.token,
    body: { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'http_send_request', arguments: { method: 'GET', url: `${mockUrl}/bench` } } },
  },
  'execute-idem': {
    method: 'POST', path: '/v1/actions/execute', token: main.token,
    body: { freshKey: { pieceName: 'http', actionName: 'send_request', input: { method: 'GET', url: `${mockUrl}/bench` } } },
  },
  create: { method: 'POST', path: '/v1/agents', token: creator.token, body: 'unique-agent' },
}

// ---- the peer --------------------------------------------------------------------------
let peer = null
if (PEER_DIR) {
  try {
    console.log(`serving the peer from ${PEER_DIR}...`)
    const dir = path.join(scratch, 'peer')
    cpSync(PEER_DIR, dir, { recursive: true, filter: (s) => !s.includes('node_modules') && !s.includes('.wrangler') })
    run('npm', ['ci', '--no-audit', '--no-fund'], { cwd: dir })
    const state = path.join(scratch, 'peer-state')
    run(path.join(dir, 'node_modules/.bin/wrangler'), ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', state], { cwd: dir })
    // With BENCH_PROFILE, our serve script (it serves any worker) gives the peer an
    // inspector too; the peer's own copy has none.
    peer = PROFILE_DIR
      ? await serve(dir, 8791, state, path.join(here, 'serve-miniflare.mjs'), {}, 9230)
      : await serve(dir, 8791, state, path.join(dir, 'serve-miniflare.mjs'))
    await fetch(peer.base + '/admin/seed', {
      method: 'POST', headers: { 'X-Admin': 'bench', 'Content-Type': 'application/json' },
      body: JSON.stringify({ workspace_id: 1, token: 'weav_bench', agents: 1000 }),
    }).then((r) => { if (!r.ok) throw new Error(`peer seed: ${r.status}`) })
    await fetch(peer.base + '/admin/seed', {
      method: 'POST', headers: { 'X-Admin': 'bench', 'Content-Type': 'application/json' },
      body: JSON.stringify({ workspace_id: 2, token: 'weav_bench_create', agents: 0 }),
    })
  } catch (e) {
    console.log(`peer unavailable: ${e.message}`)
    peer = null
  }
}
const peerScenarios = {
  health: { path: '/v1/health' },
  list: { path: '/v1/agents?take=25', token: 'weav_bench' },
  create: { method: 'POST', path: '/v1/agents', token: 'weav_bench_create', body: 'unique-agent' },
}

// ---- measure: ours and the peer one after the other, scenario by scenario ---------------
// BENCH_ROUNDS=n: each scenario n times, ours then the peer's each round, and every figure
// the median of its rounds (non-2xx and socket errors: the sum), so one slow stretch of a
// noisy machine does not decide a ratio.
const ROUNDS = SMOKE ? 1 : Math.max(1, Number(process.env.BENCH_ROUNDS ?? 1))
const median = (xs) => {
  const v = xs.filter((x) => x !== null && x !== undefined).sort((a, b) => a - b)
  return v.length ? (v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2) : null
}
function combine(runs) {
  const out = {}
  for (const k of ['rps', 'p50', 'p99', 'cpuMsPerReq']) out[k] = median(runs.map((r) => r[k]))
  for (const k of ['requests', 'non2xx', 'socketErrors']) out[k] = runs.reduce((a, r) => a + r[k], 0)
  out.rounds = runs
  return out
}
// Seeding (100,000 rows through D1) leaves storage work behind: let it settle first.
if (!SMOKE) await new Promise((r) => setTimeout(r, 10_000))
const results = {}
const only = process.env.BENCH_SCENARIOS?.split(',').map((x) => x.trim())
for (const [name, s] of Object.entries(scenarios)) {
  if (only && !only.includes(name)) continue
  process.stdout.write(`  ${name}...`)
  const ourRuns = []
  const peerRuns = []
  for (let round = 0; round < ROUNDS; round++) {
    // Who goes first alternates, so neither worker always follows the other's load.
    const order = round % 2 === 0 ? ['ours', 'peer'] : ['peer', 'ours']
    for (const who of order) {
      if (who === 'ours') ourRuns.push(await wrk(ours, luaScript(`ours-${name}`, s)))
      else if (peer && peerScenarios[name]) peerRuns.push(await wrk(peer, luaScript(`peer-${name}`, peerScenarios[name])))
    }
  }
  results[name] = { ours: combine(ourRuns) }
  results[name].ours.bytes = await responseBytes(ours, s)
  if (peerRuns.length) {
    results[name].peer = combine(peerRuns)
    results[name].peer.bytes = await responseBytes(peer, peerScenarios[name])
  }
  process.stdout.write(' done\n')
}

const wasm = path.join(root, 'build/index_bg.wasm')
const wasmRaw = statSync(wasm).size
const wasmGz = gzipSync(readFileSync(wasm), { level: 9 }).length
const goals = {
  health: { rps: 1.0 },
  list: { rps: 1.25, cpu: 0.8 },
  create: { rps: 1.0 },
}
const f = (v, d = 2) => (v === null || v === undefined || Number.isNaN(v) ? '-' : Number(v).toFixed(d))
const rows = [['scenario', 'bytes', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx', 'sock err', 'CPU ms/req', 'peer bytes', 'peer req/s', 'peer CPU ms/req', 'req/s ratio', 'CPU ratio', 'goal']]
let errors = 0
for (const [name, r] of Object.entries(results)) {
  const o = r.ours
  // Broken scenarios: any non-2xx, or nothing answered. Socket read errors (workerd closing
  // a keep-alive connection under load) are shown, not failed on.
  errors += o.non2xx + (o.requests === 0 ? 1 : 0) + (r.peer ? r.peer.non2xx : 0)
  const rpsRatio = r.peer ? o.rps / r.peer.rps : null
  const cpuRatio = r.peer && r.peer.cpuMsPerReq ? o.cpuMsPerReq / r.peer.cpuMsPerReq : null
  r.ratios = { rps: rpsRatio, cpu: cpuRatio }
  let goal = ''
  const g = goals[name]
  if (g && r.peer) {
    const met = (g.rps ? rpsRatio >= g.rps : true) && (g.cpu ? cpuRatio <= g.cpu : true)
    goal = `${g.rps ? `≥${g.rps}× req/s` : ''}${g.cpu ? `, ≤${g.cpu}× CPU` : ''}: ${met ? 'met' : 'NOT met'}`
  } else if (g) {
    goal = 'peer not run'
  }
  if (name === 'list-100k' && results.list) {
    const ratio = o.p50 / results.list.ours.p50
    r.p50VsList = ratio
    goal = `p50 ≤1.3× list: ${f(ratio)}× ${ratio <= 1.3 ? 'met' : 'NOT met'}`
  }
  if (name === 'mcp-call' && results.execute) {
    const ratio = o.cpuMsPerReq / results.execute.ours.cpuMsPerReq
    r.cpuVsExecute = ratio
    goal = `CPU ≤1.15× execute: ${f(ratio)}× ${ratio <= 1.15 ? 'met' : 'NOT met'}`
  }
  rows.push([name, o.bytes == null ? '-' : String(o.bytes), f(o.rps, 0), f(o.p50), f(o.p99), String(o.non2xx), String(o.socketErrors), f(o.cpuMsPerReq, 3),
    r.peer?.bytes == null ? '-' : String(r.peer.bytes), r.peer ? f(r.peer.rps, 0) : (PEER_DIR ? '-' : 'no peer'), r.peer ? f(r.peer.cpuMsPerReq, 3) : '-', f(rpsRatio), f(cpuRatio), goal])
}
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)))
console.log('')
for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i])).join('  '))
const sizeOk = wasmGz <= 350 * 1024
console.log(`\nwasm: ${(wasmRaw / 1024).toFixed(1)} KiB raw, ${(wasmGz / 1024).toFixed(1)} KiB gzipped (goal ≤ 350 KiB: ${sizeOk ? 'met' : 'NOT met'}; budget with the HTML parser ≤ 600 KiB: ${wasmGz <= 600 * 1024 ? 'met' : 'NOT met'})`)
console.log(`${DURATION} s measured after ${WARMUP} s warm-up, ${ROUNDS} round(s) (medians), ${CONNECTIONS} connections, wrk -t2; CPU = utime+stime of the worker's workerd.`)
writeFileSync(OUT, JSON.stringify({ date: new Date().toISOString(), duration: DURATION, rounds: ROUNDS, connections: CONNECTIONS, wasm: { raw: wasmRaw, gzip: wasmGz }, results }, null, 2))
console.log(`results: ${OUT}`)
mock.close()
if (errors > 0) {
  console.error(`${errors} non-2xx responses (or a scenario with no answer at all): a scenario is broken`)
  process.exit(1)
}
process.exit(0)
