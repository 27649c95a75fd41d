// Asking for an SMS code (sign-in, sign-up): the request, and the countdown until another may be asked for.
import { onBeforeUnmount, ref } from 'vue'
import { anonymous } from '../../api.js'

export function useCodeSender(purpose) {
  const codeSent = ref(false)
  const resendIn = ref(0)
  let timer = null

  /** Ask for a code to this phone; throws the API's error. */
  async function sendCode(phone) {
    const answer = await anonymous('POST', '/auth/codes', { phone: phone.trim(), purpose })
    codeSent.value = true
    resendIn.value = answer.resend_after_seconds
    clearInterval(timer)
    timer = setInterval(() => {
      resendIn.value -= 1
      if (resendIn.value <= 0) clearInterval(timer)
    }, 1000)
  }

  onBeforeUnmount(() => clearInterval(timer))
  return { codeSent, resendIn, sendCode }
}
