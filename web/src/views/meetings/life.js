// Org life (组织生活) rules the meeting views need, as services/orgs/domain/life.py states them.

// 三会一课 and the other meeting kinds, and which org types hold each (HOSTS in life.py)
export const TYPES = [
  'branch_general_meeting', // 支部党员大会
  'committee_meeting', // 支委会
  'group_meeting', // 党小组会
  'party_lecture', // 党课
  'theme_party_day', // 主题党日
  'organizational_life_meeting', // 组织生活会
]
const ALL = ['committee', 'general_branch', 'branch', 'group']
const HOSTS = {
  branch_general_meeting: ['branch', 'general_branch'],
  committee_meeting: ['committee', 'general_branch', 'branch'],
  group_meeting: ['group'],
  party_lecture: ALL,
  theme_party_day: ALL,
  organizational_life_meeting: ALL,
}

/** The meeting types an org of this type holds (all of them when the type is unknown). */
export const typesFor = (orgType) => TYPES.filter((t) => !orgType || HOSTS[t].includes(orgType))

// An invitee may answer (attend, decline, ask for leave) from these; check-in opens 30 minutes before the
// start and closes 30 minutes after the end.
export const ANSWERABLE = ['invited', 'attending', 'declined', 'leave_requested']
const MARGIN_MS = 30 * 60 * 1000

export function checkInOpen(meeting, now = Date.now()) {
  return now >= Date.parse(meeting.starts_at) - MARGIN_MS && now <= Date.parse(meeting.ends_at) + MARGIN_MS
}

export const ended = (meeting, now = Date.now()) => now >= Date.parse(meeting.ends_at)

/** An online meeting's address is a link when it is a web address (else a room number, shown as text). */
export const isLink = (url) => /^https?:\/\//i.test(url || '')

/** The current quarter as the compliance report names it: 2026-Q4. */
export function currentQuarter(now = new Date()) {
  return `${now.getFullYear()}-Q${Math.floor(now.getMonth() / 3) + 1}`
}

/** A rate of attendance (0…1) as a percentage with one decimal. */
export const percent = (rate) => `${Math.round(rate * 1000) / 10}%`
