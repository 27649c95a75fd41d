// Addresses of media items (presigned, short-lived): asked once per item and page view once the item is
// ready (an image is thumbnailed, a video transcoded, for a moment after its upload).
import { get } from './api.js'

const known = new Map()
const SETTLED = ['ready', 'failed', 'deleted']

export function mediaItem(id) {
  if (!known.has(id)) {
    const item = get(`/media/${encodeURIComponent(id)}`).then(
      (answer) => {
        if (!SETTLED.includes(answer.status)) known.delete(id) // asked again: it will have addresses later
        return answer
      },
      (err) => {
        known.delete(id)
        throw err
      },
    )
    known.set(id, item)
  }
  return known.get(id)
}

export const isProcessing = (item) => !!item && !item.missing && !SETTLED.includes(item.status)
