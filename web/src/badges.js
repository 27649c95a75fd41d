// Counts shown on the navigation: unread chat messages and unread notifications. Read from the API when
// the app starts and again (once, shortly after) whenever the live socket says something changed.
import { reactive } from 'vue'
import { get } from './api.js'
import { onLive } from './live.js'

export const badges = reactive({ chat: 0, inbox: 0 })

let timer = null
let stops = []

async function refresh() {
  const [conversations, inbox] = await Promise.allSettled([
    get('/chat/conversations?page_size=100'),
    get('/notifications/unread-count'),
  ])
  if (conversations.status === 'fulfilled') {
    badges.chat = conversations.value.conversations.reduce((sum, c) => sum + c.unread, 0)
  }
  if (inbox.status === 'fulfilled') badges.inbox = inbox.value.unread
}

/** Refresh soon: several frames in a burst cost one reading. */
export function refreshBadges() {
  clearTimeout(timer)
  timer = setTimeout(refresh, 300)
}

export function startBadges() {
  refresh()
  stops = ['message', 'read', 'notification', 'hello'].map((type) => onLive(type, refreshBadges))
}

export function stopBadges() {
  clearTimeout(timer)
  stops.forEach((stop) => stop())
  stops = []
  Object.assign(badges, { chat: 0, inbox: 0 })
}
