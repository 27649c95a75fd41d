// What the app needs to know about the signed-in member beyond the session: their membership (home org).
import { reactive } from 'vue'
import { get } from './api.js'

export const profile = reactive({ loaded: false, membership: null, org: null })

let loading = null

/** The member's home membership and org (both null for an account without a membership, such as an admin). */
export function loadProfile() {
  if (!loading) {
    loading = (async () => {
      try {
        const dossier = await get('/accounts/me/dossier')
        profile.membership = dossier.membership && dossier.membership.id ? dossier.membership : null
      } catch (err) {
        if (err.status !== 404) {
          loading = null
          throw err
        }
        profile.membership = null
      }
      if (profile.membership) profile.org = await get(`/orgs/${profile.membership.org_id}`)
      profile.loaded = true
      return profile
    })()
  }
  return loading
}

export function resetProfile() {
  loading = null
  Object.assign(profile, { loaded: false, membership: null, org: null })
}
