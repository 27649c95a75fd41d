// Translations: Chinese first, English second. Each area of the app keeps its strings in
// locales/<locale>/<area>.json (one or more top-level namespaces a file, each namespace in one file);
// tests/unit/web/test_translations.py checks that both languages agree and that the code uses keys.
import { createI18n } from 'vue-i18n'

export const LOCALES = ['zh-CN', 'en']
const KEY = 'jiceng.locale'

const files = import.meta.glob('./locales/*/*.json', { eager: true, import: 'default' })
const messages = Object.fromEntries(LOCALES.map((l) => [l, {}]))
for (const [path, table] of Object.entries(files)) {
  const locale = path.split('/')[2]
  if (messages[locale]) Object.assign(messages[locale], table)
}

function initialLocale() {
  const saved = localStorage.getItem(KEY)
  return LOCALES.includes(saved) ? saved : 'zh-CN'
}

export const i18n = createI18n({
  legacy: false,
  locale: initialLocale(),
  fallbackLocale: 'zh-CN',
  messages,
  datetimeFormats: {
    'zh-CN': {
      short: { month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit' },
      long: { year: 'numeric', month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit' },
      date: { year: 'numeric', month: 'numeric', day: 'numeric' },
    },
    en: {
      short: { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' },
      long: { year: 'numeric', month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit' },
      date: { year: 'numeric', month: 'short', day: 'numeric' },
    },
  },
})

export function setLocale(locale) {
  if (!LOCALES.includes(locale)) return
  i18n.global.locale.value = locale
  localStorage.setItem(KEY, locale)
  document.documentElement.lang = locale
}

document.documentElement.lang = i18n.global.locale.value
