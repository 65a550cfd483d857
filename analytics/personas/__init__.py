"""Viewer personas: feature pipeline, clustering jobs, profiles."""
