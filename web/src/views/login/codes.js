// Asking for an SMS code (sign-in, sign-up): the request, the form's busy state and error while it goes,
// and the countdown until another may be asked for.
import { onBeforeUnmount, ref } from 'vue'
import { anonymous } from '../../api.js'

/** busy, error: the form's refs, set while the code is asked for and when that fails. */
export function useCodeSender(purpose, busy, error) {
  const codeSent = ref(false)
  const resendIn = ref(0)
  let timer = null

  async function sendCode(phone) {
    error.value = null
    busy.value = true
    try {
      const answer = await anonymous('POST', '/auth/codes', { phone: phone.trim(), purpose })
      codeSent.value = true
      resendIn.value = answer.resend_after_seconds
      clearInterval(timer)
      timer = setInterval(() => {
        resendIn.value -= 1
        if (resendIn.value <= 0) clearInterval(timer)
      }, 1000)
    } catch (err) {
      error.value = err
    } finally {
      busy.value = false
    }
  }

  onBeforeUnmount(() => clearInterval(timer))
  return { codeSent, resendIn, sendCode }
}
