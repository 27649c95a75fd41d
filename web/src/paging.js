// A list the API gives a page at a time (`page_size`, `cursor` → `next_cursor`): the items so far, whether a
// page is loading, its error, and load(more) — the first page again, or the next one.
import { ref } from 'vue'
import { get } from './api.js'

/**
 * @param address () => the list's path with its own query ('/notices', '/meetings/mine?upcoming=true'),
 *                or '' while the view can't ask yet (no org chosen)
 * @param field   the answer's field holding the page's items ('notices', 'items' …)
 */
export function usePaged(address, field, pageSize = 20) {
  const items = ref([])
  const cursor = ref('')
  const loading = ref(false)
  const started = ref(false) // a first answer (or error) has come: an empty list is really empty
  const error = ref(null)

  async function load(more = false) {
    const path = address()
    if (!path) return
    loading.value = true
    error.value = null
    try {
      const query = new URLSearchParams({ page_size: String(pageSize) })
      if (more && cursor.value) query.set('cursor', cursor.value)
      const page = await get(`${path}${path.includes('?') ? '&' : '?'}${query}`)
      items.value = more ? [...items.value, ...page[field]] : page[field]
      cursor.value = page.next_cursor
    } catch (err) {
      if (!more) items.value = []
      error.value = err
    } finally {
      loading.value = false
      started.value = true
    }
  }

  return { items, cursor, loading, started, error, load }
}
