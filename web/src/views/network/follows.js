// Whom I follow, as a set of 'person:<id>' and 'org:<id>' keys: my following list read page by page
// (it is rarely long; at most a few thousand entries are read).
import { del, get, post } from '../../api.js'

const PAGES = 10

export const followKey = (kind, id) => `${kind}:${id}`

export async function loadFollowing() {
  const keys = new Set()
  let cursor = ''
  for (let n = 0; n < PAGES; n++) {
    const query = new URLSearchParams({ page_size: '200' })
    if (cursor) query.set('cursor', cursor)
    const page = await get(`/accounts/me/network/following?${query}`)
    for (const e of page.entries) keys.add(followKey(e.kind, e.id))
    cursor = page.next_cursor
    if (!cursor) break
  }
  return keys
}

export const follow = (kind, id) => post('/network/follows', { target_kind: kind, target_id: id })
export const unfollow = (kind, id) => del(`/network/follows/${kind}/${encodeURIComponent(id)}`)
