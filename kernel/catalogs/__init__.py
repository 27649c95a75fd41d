"""Message catalogs: one module per service or area, each defining MESSAGES = {key: {locale: text}}."""
