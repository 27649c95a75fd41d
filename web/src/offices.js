// The orgs a person may act for as an officer (session.managedOrgIds: a role beyond "member"), with the orgs
// below them, for the pickers of managers' views. The gateway decides each action again.
import { get } from './api.js'
import { managedOrgIds as officeOrgIds } from './session.js'

export { officeOrgIds }

/** The office orgs and their subtrees (first 200 orgs of each), each once, with depth below its office. */
export async function officeOrgs() {
  const ids = officeOrgIds()
  const found = await Promise.allSettled(ids.map((id) => get(`/orgs/${encodeURIComponent(id)}/subtree?page_size=200`)))
  const seen = new Map()
  found.forEach((f, n) => {
    if (f.status !== 'fulfilled') return
    const top = f.value.orgs.find((o) => o.id === ids[n])
    const base = top ? top.path.length : 0
    for (const o of f.value.orgs) {
      if (o.dissolved || seen.has(o.id)) continue
      seen.set(o.id, { ...o, depth: Math.max(0, o.path.length - base) })
    }
  })
  if (!seen.size && found.some((f) => f.status === 'rejected')) throw found.find((f) => f.status === 'rejected').reason
  return [...seen.values()]
}

/** An option's label: indented by depth so the tree shows in a plain <select>. */
export const indented = (org) => '\u3000'.repeat(org.depth || 0) + org.name
