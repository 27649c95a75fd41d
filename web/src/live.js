// The live WebSocket (docs/websocket.md): one per signed-in tab. It authenticates with the first frame,
// renews its token before it expires, catches up with `sync` after every (re)connect and reconnects with
// backoff, so a view only listens for frames and sends requests.
import { reactive } from 'vue'
import { session } from './session.js'
import { refreshSession } from './api.js'
import { i18n } from './i18n.js'

export const live = reactive({ connected: false })

const listeners = new Map()
const pending = new Map()
const held = {} // conversation id -> the last seq this tab has seen
let socket = null
let stopped = true
let attempts = 0
let renewTimer = null
let nextId = 1

export function startLive() {
  if (!stopped) return
  stopped = false
  open()
}

export function stopLive() {
  stopped = true
  clearTimeout(renewTimer)
  if (socket) socket.close(1000)
  socket = null
}

/** Listen to frames of a type; returns the function that stops listening. */
export function onLive(type, listener) {
  if (!listeners.has(type)) listeners.set(type, new Set())
  listeners.get(type).add(listener)
  return () => listeners.get(type).delete(listener)
}

/** Send a request frame; resolves with its `ack`, rejects with its `error` (or when the socket drops). */
export function request(frame) {
  return new Promise((resolve, reject) => {
    if (!socket || !live.connected) {
      reject(new Error('offline'))
      return
    }
    const id = String(nextId++)
    pending.set(id, { resolve, reject })
    socket.send(JSON.stringify({ ...frame, id }))
  })
}

function emit(type, frame) {
  for (const listener of listeners.get(type) || []) listener(frame)
}

function open() {
  if (stopped || !session.current) return
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws'
  const ws = new WebSocket(`${scheme}://${location.host}/api/v1/ws?lang=${i18n.global.locale.value}`)
  socket = ws
  ws.onopen = () => ws.send(JSON.stringify({ type: 'auth', access_token: session.current.access_token }))
  ws.onmessage = (event) => {
    let frame
    try {
      frame = JSON.parse(event.data)
    } catch {
      return
    }
    handle(ws, frame)
  }
  ws.onclose = async (event) => {
    if (socket === ws) socket = null
    live.connected = false
    clearTimeout(renewTimer)
    for (const { reject } of pending.values()) reject(new Error('offline'))
    pending.clear()
    if (stopped) return
    if (event.code === 4401) {
      // the token expired: a fresh one, then at once again
      if (await refreshSession()) return open()
    }
    const delay = Math.min(30000, 500 * 2 ** attempts++) * (0.5 + Math.random() / 2)
    setTimeout(open, delay)
  }
}

function handle(ws, frame) {
  if (frame.type === 'hello') {
    live.connected = true
    attempts = 0
    renewBefore(ws, frame.expires_at)
    ws.send(JSON.stringify({ type: 'sync', id: 'sync', after: { ...held } }))
  } else if (frame.type === 'message') {
    const m = frame.message
    held[m.conversation_id] = Math.max(held[m.conversation_id] || 0, m.seq)
  } else if ((frame.type === 'ack' || frame.type === 'error') && pending.has(String(frame.id))) {
    const { resolve, reject } = pending.get(String(frame.id))
    pending.delete(String(frame.id))
    if (frame.type === 'ack') {
      if (frame.expires_at) renewBefore(ws, frame.expires_at)
      resolve(frame)
    } else {
      reject(Object.assign(new Error(frame.error.message), frame.error))
    }
    return
  }
  emit(frame.type, frame)
}

function renewBefore(ws, expiresAt) {
  clearTimeout(renewTimer)
  const wait = Math.max(5000, expiresAt * 1000 - Date.now() - 60000)
  renewTimer = setTimeout(async () => {
    if (socket !== ws || !(await refreshSession())) return
    request({ type: 'auth', access_token: session.current.access_token }).catch(() => {})
  }, wait)
}
