// The signed-in session: tokens and account, kept in localStorage so a reload stays signed in.
import { reactive } from 'vue'

const KEY = 'jiceng.session'

function load() {
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) || 'null')
    if (saved && saved.access_token && saved.refresh_token) return saved
  } catch {
    // a damaged entry is the same as none
  }
  return null
}

export const session = reactive({ current: load() })

export function signedIn() {
  return session.current !== null
}

/** Keep a session answer of /auth/login, /auth/login/code or /auth/refresh. */
export function remember(answer) {
  session.current = {
    access_token: answer.access_token,
    refresh_token: answer.refresh_token,
    expires_at: answer.expires_at,
    account: answer.account,
  }
  localStorage.setItem(KEY, JSON.stringify(session.current))
}

export function forget() {
  session.current = null
  localStorage.removeItem(KEY)
}

export function account() {
  return session.current ? session.current.account : null
}

/** The orgs where the account holds an office (secretary, organizer …), for the manage views. Every member
 *  also holds the plain `member` role in their org: that one manages nothing. */
export function managedOrgIds() {
  const a = account()
  if (!a) return []
  return [...new Set((a.roles || []).filter((g) => g.org_id && g.role !== 'member').map((g) => g.org_id))]
}

export function isRegionAdmin() {
  const a = account()
  return !!a && (a.platform_roles || []).includes('region_admin')
}
