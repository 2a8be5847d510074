"""The web frame: navigation, cached reads, sidebar, sign-in, routes, sessions."""
