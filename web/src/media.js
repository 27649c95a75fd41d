// Addresses of media items (presigned, short-lived): asked once per item and page view.
import { get } from './api.js'

const known = new Map()

export function mediaItem(id) {
  if (!known.has(id)) {
    const item = get(`/media/${encodeURIComponent(id)}`).catch((err) => {
      known.delete(id) // asked again next time
      throw err
    })
    known.set(id, item)
  }
  return known.get(id)
}
