// json-rules-engine driven by bench/peers.py: one JSON document a line on stdin, one reply a line on stdout.
//
//   {"rules": [...]}      the ruleset, as json-rules-engine rules      -> {"ready": true}
//   {"check": FACTS}      which rules fire on these facts              -> {"fired": [ids]}
//   {"keep": [FACTS...]}  the facts to time                            -> {"kept": n}
//   {"time": true}        evaluate every kept facts once, in order     -> {"seconds": s}
//
// Timing happens here, around engine.run alone, so the pipe and JSON parsing are not counted
// (as the Python peers are timed in process). NODE_PATH, set by peers.py, says where
// json-rules-engine is installed.
'use strict'

const readline = require('readline')
const { Engine } = require('json-rules-engine')

// A dotted path into nested facts. The default resolver (jsonpath-plus) parses a JSONPath on
// every lookup; json-rules-engine documents pathResolver for exactly this replacement.
function dotted (value, path) {
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object' || !(part in value)) return undefined
    value = value[part]
  }
  return value
}

let engine = null
let kept = []

function build (rules) {
  // allowUndefinedFacts: a fact the situation lacks is undefined, not an error (followup's
  // comparisons simply do not hold on a missing fact).
  const e = new Engine([], { allowUndefinedFacts: true, pathResolver: dotted, replaceFactsInEventParams: false })
  // followup's `exists: true|false`; json-rules-engine has no such operator.
  e.addOperator('exists', (factValue, expected) => (factValue !== undefined) === expected)
  for (const rule of rules) e.addRule(rule)
  return e
}

async function fired (facts) {
  const { events } = await engine.run(facts)
  return events.map(event => event.type)
}

async function handle (message) {
  if (message.rules) {
    engine = build(message.rules)
    return { ready: true }
  }
  if (message.check) return { fired: await fired(message.check) }
  if (message.keep) {
    kept = message.keep
    return { kept: kept.length }
  }
  if (message.time) {
    const started = process.hrtime.bigint()
    for (const facts of kept) await engine.run(facts)
    return { seconds: Number(process.hrtime.bigint() - started) / 1e9 }
  }
  throw new Error('unknown message: ' + Object.keys(message).join(', '))
}

async function main () {
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity })
  for await (const line of lines) {
    if (!line.trim()) continue
    let reply
    try {
      reply = await handle(JSON.parse(line))
    } catch (error) {
      reply = { error: String(error && error.stack ? error.stack : error) }
    }
    process.stdout.write(JSON.stringify(reply) + '\n')
  }
}

main()
