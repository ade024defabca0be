"""Help, themes and tips on demand: browsing the content pack in chat."""
