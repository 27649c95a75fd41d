// Calls to the gateway's HTTP API. Every failure becomes an ApiError whose message is ready to show
// (the gateway answers in the language asked for; network failures and timeouts are named here).
import { i18n } from './i18n.js'
import { session, remember, forget } from './session.js'

export const API = '/api/v1'
const TIMEOUT_MS = 20000

export class ApiError extends Error {
  constructor(status, code, message, field = null, data = null) {
    super(message)
    this.status = status
    this.code = code
    this.field = field
    this.data = data // the whole JSON answer (an import's rejected rows come with it)
  }
}

const t = (key, params) => i18n.global.t(key, params)

let refreshing = null

async function refreshSession() {
  // one refresh at a time: concurrent calls that met an expired token wait for the same one
  if (!refreshing) {
    const token = session.current && session.current.refresh_token
    refreshing = (async () => {
      if (!token) return false
      try {
        const answer = await send('POST', '/auth/refresh', { refresh_token: token }, false)
        remember(answer)
        return true
      } catch (err) {
        if (err.status === 401 || err.status === 400) forget()
        return false
      }
    })().finally(() => {
      refreshing = null
    })
  }
  return refreshing
}

async function send(method, path, body, authorized, extraHeaders = {}) {
  const headers = { 'Accept-Language': i18n.global.locale.value, ...extraHeaders }
  if (authorized && session.current) headers.Authorization = `Bearer ${session.current.access_token}`
  let payload
  if (body instanceof FormData || body instanceof Blob) {
    payload = body
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json'
    payload = JSON.stringify(body)
  }
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS)
  let reply
  try {
    reply = await fetch(API + path, { method, headers, body: payload, signal: controller.signal })
  } catch (err) {
    const timedOut = err && err.name === 'AbortError'
    throw new ApiError(0, timedOut ? 'timeout' : 'network', t(timedOut ? 'errors.timeout' : 'errors.network'))
  } finally {
    clearTimeout(timer)
  }
  const type = reply.headers.get('Content-Type') || ''
  if (reply.ok) {
    if (type.includes('application/json')) return reply.json()
    return reply
  }
  let data = null
  if (type.includes('application/json')) {
    try {
      data = await reply.json()
    } catch {
      data = null
    }
  }
  const error = data && data.error
  if (error && error.message) throw new ApiError(reply.status, error.code, error.message, error.field || null, data)
  const key = reply.status >= 500 ? 'errors.server' : 'errors.unexpected'
  throw new ApiError(reply.status, 'http_' + reply.status, t(key, { status: reply.status }))
}

// The 401s that mean the access token no longer works; others (a wrong password or code confirming an
// action) are the answer itself: repeated, a wrong password would count twice towards the lockout.
const SESSION_ENDED = new Set(['token_expired', 'token_invalid', 'unauthenticated'])

/** Call the API as the signed-in person; an expired access token is refreshed once and the call repeated. */
export async function call(method, path, body, headers) {
  try {
    return await send(method, path, body, true, headers)
  } catch (err) {
    if (err.status !== 401 || !SESSION_ENDED.has(err.code) || !session.current) throw err
    if (!(await refreshSession())) {
      forget()
      throw new ApiError(401, 'unauthenticated', t('errors.signedOut'))
    }
    return send(method, path, body, true, headers)
  }
}

/** Calls that need no session (login, codes). */
export function anonymous(method, path, body) {
  return send(method, path, body, false)
}

export const get = (path) => call('GET', path)
export const post = (path, body) => call('POST', path, body === undefined ? {} : body)
export const put = (path, body) => call('PUT', path, body)
export const del = (path) => call('DELETE', path)

export { refreshSession }

/** Upload a file to the object store through media's presigned PUT, then have media verify it.
 *  Returns the finalized media item. */
export async function uploadFile(file, orgId, visibility) {
  const authorized = await post('/media/uploads', {
    org_id: orgId,
    filename: file.name || 'image',
    content_type: file.type || 'application/octet-stream',
    size: file.size,
    visibility,
  })
  let stored
  try {
    stored = await fetch(authorized.put_url, {
      method: 'PUT',
      body: file,
      headers: { 'Content-Type': file.type || 'application/octet-stream' },
    })
  } catch {
    throw new ApiError(0, 'network', t('errors.uploadNetwork'))
  }
  if (!stored.ok) throw new ApiError(stored.status, 'upload_failed', t('errors.uploadFailed'))
  return post(`/media/${authorized.media.id}/finalize`)
}
