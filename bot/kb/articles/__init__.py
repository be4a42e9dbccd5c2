"""Knowledge-base articles (Markdown with front matter, or JSON); a package so they install."""
