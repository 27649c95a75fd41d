// What the secretary's views share: the party's vocabulary (its codes; the labels are in the locale tables
// under `party`), the orgs a manager starts from, and orgs fetched once per visit.
import { get } from '../../api.js'
import { account } from '../../session.js'

export const ORG_TYPES = ['committee', 'general_branch', 'branch', 'group'] // 党委, 党总支, 党支部, 党小组
// the types an org of each type may have below it (services/orgs/domain/tree.py ALLOWED_PARENTS)
export const CHILD_TYPES = {
  committee: ['committee', 'general_branch', 'branch'],
  general_branch: ['branch'],
  branch: ['group'],
  group: [],
}
// the development pipeline (发展党员), then the statuses outside it
export const PIPELINE = ['applicant', 'activist', 'development_target', 'probationary', 'full']
export const STATUSES = [...PIPELINE, 'suspended', 'transferred_out', 'deceased']
// the steps services/orgs allows from each status (domain/pipeline.py NEXT); the gateway decides
export const NEXT = {
  applicant: ['activist', 'deceased'],
  activist: ['development_target', 'deceased'],
  development_target: ['probationary', 'deceased'],
  probationary: ['full', 'deceased'],
  full: ['suspended', 'deceased'],
  suspended: ['full', 'deceased'],
  transferred_out: [],
  deceased: [],
}
// the roles a secretary gives in an org (kernel/authz.py ORG_ROLES, "member" being everyone's)
export const OFFICER_ROLES = ['secretary', 'deputy_secretary', 'committee_member', 'organization_officer']
export const MEETING_TYPES = [
  'branch_general_meeting',
  'committee_meeting',
  'group_meeting',
  'party_lecture',
  'theme_party_day',
  'organizational_life_meeting',
]

const orgs = new Map() // id -> promise of the org

/** An org, fetched once (forget(id) after changing it). */
export function orgOf(id) {
  if (!orgs.has(id)) {
    const found = get(`/orgs/${encodeURIComponent(id)}`)
    found.catch(() => orgs.delete(id))
    orgs.set(id, found)
  }
  return orgs.get(id)
}

export function remember(org) {
  orgs.set(org.id, Promise.resolve(org))
}

/** The orgs where the account holds a managing role (every member holds "member" in their own org). */
export function managedRootIds() {
  const a = account()
  if (!a) return []
  return [...new Set((a.roles || []).filter((g) => g.org_id && g.role !== 'member').map((g) => g.org_id))]
}

/** The managed orgs to start from: those not already below another of them. */
export async function loadRoots() {
  const found = await Promise.allSettled(managedRootIds().map((id) => orgOf(id)))
  const list = found.filter((f) => f.status === 'fulfilled').map((f) => f.value)
  const ids = new Set(list.map((o) => o.id))
  return list.filter((o) => !o.path.slice(0, -1).some((above) => ids.has(above)))
}

/** This month as YYYY-MM (local time). */
export function thisMonth(date = new Date()) {
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}`
}

/** Today as YYYY-MM-DD (local time). */
export function today(date = new Date()) {
  return `${thisMonth(date)}-${String(date.getDate()).padStart(2, '0')}`
}

/** Fen (分) as yuan with two decimals. */
export function yuan(fen) {
  return (fen / 100).toFixed(2)
}
