// Translations: Chinese first, English second. Each area of the app keeps its strings in
// locales/<locale>/<area>.json (one or more top-level namespaces a file, each namespace in one file).
// The shell's own tables (core, login, microblog: the first page of every visit) are in the main bundle;
// an area's tables are fetched with its views, before the router shows one (router.js: loadAreas).
// tests/unit/web/test_translations.py checks that both languages agree and that the code uses keys.
import { createI18n } from 'vue-i18n'

export const LOCALES = ['zh-CN', 'en']
const KEY = 'jiceng.locale'

const eager = import.meta.glob('./locales/*/{core,login,microblog}.json', { eager: true, import: 'default' })
const lazy = import.meta.glob(['./locales/*/*.json', '!./locales/*/{core,login,microblog}.json'], {
  import: 'default',
})

const messages = Object.fromEntries(LOCALES.map((l) => [l, {}]))
for (const [path, table] of Object.entries(eager)) {
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

const wanted = new Set() // areas whose tables the app has needed so far
const loaded = new Set() // "<locale>/<area>" merged into the messages

async function loadTable(locale, area) {
  const id = `${locale}/${area}`
  const load = lazy[`./locales/${id}.json`]
  if (loaded.has(id) || !load) return
  i18n.global.mergeLocaleMessage(locale, await load())
  loaded.add(id)
}

/** Fetch the tables of these areas in the current language (and Chinese, the fallback). */
export async function loadAreas(areas) {
  const locale = i18n.global.locale.value
  const locales = locale === 'zh-CN' ? [locale] : [locale, 'zh-CN']
  areas.forEach((area) => wanted.add(area))
  await Promise.all(areas.flatMap((area) => locales.map((l) => loadTable(l, area))))
}

export async function setLocale(locale) {
  if (!LOCALES.includes(locale)) return
  await Promise.all([...wanted].map((area) => loadTable(locale, area)))
  i18n.global.locale.value = locale
  localStorage.setItem(KEY, locale)
  document.documentElement.lang = locale
}

document.documentElement.lang = i18n.global.locale.value
