"""Glossary files: export to the formats translation tools read (TBX, CSV, DeepL, Google, JSON), import back."""
