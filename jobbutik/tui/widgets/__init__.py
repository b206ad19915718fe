"""Reusable widgets: form fields with their own error line, CPR and date inputs."""
