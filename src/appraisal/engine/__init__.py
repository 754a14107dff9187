"""The one evaluation core."""
