// Errors of forms: the API's error names the field it is about (ApiError.field); a view shows the message
// next to that field.

/** The message of err when it is about this field, else ''. */
export const fieldMessage = (err, name) => (err && err.field === name ? err.message : '')

/** fieldError(name) for a view whose form keeps its error in one ref. */
export const fieldErrorOf = (errorRef) => (name) => fieldMessage(errorRef.value, name)
