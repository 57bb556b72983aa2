"""Browser-side checks of the built site: Chromium, the Nu HTML Checker, axe-core."""
