// A part of a view loaded on its own: its data, whether it is loading, and its error (one failing part
// does not blank the others).
import { reactive } from 'vue'

export function loaded(fetcher) {
  const state = reactive({ loading: true, error: null, data: null })
  state.reload = async () => {
    state.loading = true
    state.error = null
    try {
      state.data = await fetcher()
    } catch (err) {
      state.error = err
    } finally {
      state.loading = false
    }
  }
  state.reload()
  return state
}
