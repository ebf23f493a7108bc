"""How a stored credential authenticates at a provider: injection strategies per auth mode, the
live check that proves a credential works, and the OAuth2 client. No database in here."""
