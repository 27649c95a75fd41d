// Deleting my account: POST /me/deletion sent once. api.js's call() answers every 401 by refreshing the
// session and sending the request again, and this endpoint's 401s (a wrong password, a wrong code) are not
// about the token: sent twice, a wrong password would count twice towards the lockout. Here only an
// expired or unknown access token is refreshed (once) and the request repeated.
import { API, ApiError, refreshSession } from '../../api.js'
import { i18n } from '../../i18n.js'
import { session } from '../../session.js'

const TIMEOUT_MS = 20000
const TOKEN_CODES = new Set(['token_expired', 'token_invalid', 'unauthenticated'])
const t = (key, params) => i18n.global.t(key, params)

async function sendOnce(body) {
  const headers = { 'Accept-Language': i18n.global.locale.value, 'Content-Type': 'application/json' }
  if (session.current) headers.Authorization = `Bearer ${session.current.access_token}`
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS)
  let reply
  try {
    reply = await fetch(`${API}/me/deletion`, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      signal: controller.signal,
    })
  } catch (err) {
    const timedOut = err && err.name === 'AbortError'
    throw new ApiError(0, timedOut ? 'timeout' : 'network', t(timedOut ? 'errors.timeout' : 'errors.network'))
  } finally {
    clearTimeout(timer)
  }
  let data = null
  try {
    data = await reply.json()
  } catch {
    data = null
  }
  if (reply.ok) return data
  const error = data && data.error
  if (error && error.message) throw new ApiError(reply.status, error.code, error.message, error.field || null, data)
  const key = reply.status >= 500 ? 'errors.server' : 'errors.unexpected'
  throw new ApiError(reply.status, 'http_' + reply.status, t(key, { status: reply.status }))
}

/** Delete the signed-in account, confirmed by { password } or { code }. Resolves to { account_id, deleted }. */
export async function deleteAccount(body) {
  try {
    return await sendOnce(body)
  } catch (err) {
    if (err.status !== 401 || !TOKEN_CODES.has(err.code) || !(await refreshSession())) throw err
    return sendOnce(body)
  }
}
