"""The rules: plain async functions, dependencies as arguments, domain exceptions out."""
