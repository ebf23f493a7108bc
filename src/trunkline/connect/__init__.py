"""The connect page (server-rendered) and the client side of OAuth2 sign-in."""
