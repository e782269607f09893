"""The conversation list and transcripts: filters and full-text search, the list's queries,
tags and notes, the JSON API's shape and the CSV/JSON exports."""
