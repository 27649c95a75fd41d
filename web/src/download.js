// Saving what the API gave as a file on the person's device (a roster, a form's answers, one's own data).

/** Offer blob to the browser as a download named name. */
export function saveFile(blob, name) {
  const link = document.createElement('a')
  link.href = URL.createObjectURL(blob)
  link.download = name
  link.click()
  setTimeout(() => URL.revokeObjectURL(link.href), 1000)
}

/** Offer data as a readable JSON file named name. */
export function saveJson(data, name) {
  saveFile(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }), name)
}
